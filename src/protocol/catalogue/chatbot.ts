/**
 * Team Chat app (chatbot) events: flat camelCase payloads, no `object`, and `bot_installed` has no top-level
 * `event_ts` at all.
 */
export interface ChatbotPayload {
  accountId: string;
  robotJid?: string;
  userId?: string;
  userJid?: string;
  userName?: string;
  /** Epoch ms. */
  timestamp?: number;
  [extra: string]: unknown;
}

export interface BotNotificationPayload extends ChatbotPayload {
  cmd: string;
  name?: string;
  toJid?: string;
  channelName?: string;
}

export interface InteractiveMessagePayload extends ChatbotPayload {
  toJid?: string;
  messageId?: string;
  actionItem?: Record<string, unknown>;
  selectedItems?: Record<string, unknown>[];
  original?: Record<string, unknown>;
}

export interface ChatbotEventMap {
  bot_notification: BotNotificationPayload;
  bot_installed: ChatbotPayload;
  interactive_message_actions: InteractiveMessagePayload;
  interactive_message_select: InteractiveMessagePayload;
  interactive_message_editable: InteractiveMessagePayload;
  interactive_message_fields_editable: InteractiveMessagePayload;
}
