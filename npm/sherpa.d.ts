// Types for the Sherpa chat widget's page API (README "JavaScript API and events").
// `window.Sherpa` exists as soon as sherpa.js has run; calls made before the widget module is
// loaded load it and are replayed once it is ready.

/** An instance to target: its host element (or an element inside it), or a CSS selector.
 *  Without one, calls go to the launcher instance (or the first instance). */
export type SherpaTarget = Element | string;

export interface SherpaApi {
  /** Opens the launcher panel (an inline instance is always open). */
  open(target?: SherpaTarget): void;
  /** Closes the launcher panel (no effect on inline instances). */
  close(target?: SherpaTarget): void;
  /** Opens or closes the launcher panel (no effect on inline instances). */
  toggle(target?: SherpaTarget): void;
  /** Opens the panel and sends `question`. */
  ask(question: string, target?: SherpaTarget): void;
  /** Starts a new conversation. */
  reset(target?: SherpaTarget): void;
}

/** How an answer ended. */
export type SherpaAnswerState = "done" | "stopped" | "error";

/** `sherpa:message`: an answer ended. */
export interface SherpaMessageDetail {
  question: string;
  /** The answer as plain text (what was received, for `stopped` and `error`). */
  answer: string;
  state: SherpaAnswerState;
}

/** `sherpa:error`: an answer failed (dispatched just before its `sherpa:message`). */
export interface SherpaErrorDetail {
  /** The message shown to the user. */
  message: string;
  /** The server's error code, when it sent one. */
  code: string | null;
  /** Whether the widget offers to retry. */
  retryable: boolean;
}

/** `sherpa:feedback`: the visitor sent feedback on an answer. */
export interface SherpaFeedbackDetail {
  /** Thumbs up (`true`) or down (`false`). */
  positive: boolean;
  /** The reason chosen after a thumbs-down, in English whatever the widget's language. */
  reason: "Not accurate" | "Not helpful" | "Out of date" | "Wrong sources" | null;
  /** The visitor's comment, trimmed. */
  comment: string | null;
  /** The server's id of the answer. */
  messageId: number;
}

/** `sherpa:history`: the visitor reopened an earlier conversation from the history. */
export interface SherpaHistoryDetail {
  /** Its first question. */
  title: string;
}

/** Events dispatched on the host element; they bubble and cross the shadow boundary. */
export interface SherpaEventMap {
  "sherpa:ready": CustomEvent<null>;
  "sherpa:open": CustomEvent<null>;
  "sherpa:close": CustomEvent<null>;
  "sherpa:message": CustomEvent<SherpaMessageDetail>;
  "sherpa:error": CustomEvent<SherpaErrorDetail>;
  "sherpa:feedback": CustomEvent<SherpaFeedbackDetail>;
  "sherpa:history": CustomEvent<SherpaHistoryDetail>;
}

declare global {
  interface Window {
    Sherpa: SherpaApi;
  }
  // eslint-disable-next-line no-var
  var Sherpa: SherpaApi;
  interface DocumentEventMap extends SherpaEventMap {}
  interface WindowEventMap extends SherpaEventMap {}
  interface HTMLElementEventMap extends SherpaEventMap {}
}
