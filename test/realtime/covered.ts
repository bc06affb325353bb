/**
 * The functions test/realtime/hostile-frames.test.ts throws hostile input at (the property suite's
 * "covers every function" check counts them as covered; the test checks it exercises exactly these).
 */
export const HOSTILE_FRAME_FUNCTIONS = [
  'functions/ws-connect.ts',
  'functions/ws-disconnect.ts',
  'functions/ws-default.ts',
  'functions/ws-ping.ts',
  'functions/ws-typing.ts',
  'functions/realtime-fanout.ts',
] as const;
