/**
 * The WebSocket protocol in a few lines, for the OpenAPI document's description (lib/openapi
 * includes it) — docs/realtime.md is the full reference. Kept here, next to the frames, so both
 * change together.
 */
export const REALTIME_PROTOCOL_DESCRIPTION = `## Live delivery (WebSocket)

Besides this HTTP API, the service pushes what happens in a user's rooms over a WebSocket
(\`npm start\`: \`ws://localhost:8001\`; deployed: the stack's WebSocket URL). Connect with
\`?user_id=<id>\` (query mode) or \`?token=<access token>\` (token mode); anything else is refused
at the handshake (400/401/403/404). Every frame is one JSON object:

- server → client, by \`type\`: \`message\` (\`room_id\`, \`sequence\`, \`message\`: exactly the object
  \`GET /chat/messages/{room_id}/\` returns for it), \`member_joined\` / \`member_left\` (\`room_id\`,
  \`user {id, username}\`), \`read\` (\`room_id\`, \`user\`, \`last_seen_sequence\`), \`typing\`
  (\`room_id\`, \`user\`), \`pong\`, \`error\` (\`code\`, \`message\`);
- client → server, by \`action\`: \`{"action": "ping"}\` (answered \`{"type": "pong"}\`) and
  \`{"action": "typing", "room_id": N}\` (relayed to the room's other members, throttled).

Sequence numbers are contiguous per room: a client that sees \`sequence\` > last + 1, or that
reconnects, fetches \`GET /chat/messages/{room_id}/?after=<last>\` until \`has_more_after\` is false
and drops frames it already has. docs/realtime.md has the full protocol.`;
