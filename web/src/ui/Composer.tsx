import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

/** Most characters (code points) of a message, as the API checks it (lib/messages/model.ts). */
const MAX_MESSAGE_CHARACTERS = 4000;

export function Composer({ onSend, onTyping }: { onSend(text: string): void; onTyping?(): void }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const length = [...text.trim()].length;
  const tooLong = length > MAX_MESSAGE_CHARACTERS;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || tooLong) return;
    onSend(message);
    setText('');
    input.current?.focus();
  };

  // Enter sends, Shift+Enter is a new line (and Enter while an input method composes is not a send).
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        Message
      </label>
      <textarea
        id={id}
        ref={input}
        rows={1}
        value={text}
        placeholder="Write a message (Enter sends, Shift+Enter for a new line)"
        onChange={(e) => {
          setText(e.target.value);
          onTyping?.();
        }}
        onKeyDown={onKeyDown}
        aria-invalid={tooLong || undefined}
      />
      <button type="submit" disabled={length === 0 || tooLong}>
        Send
      </button>
      {tooLong && (
        <p role="alert" className="error">
          {length} characters: a message has at most {MAX_MESSAGE_CHARACTERS}.
        </p>
      )}
    </form>
  );
}
