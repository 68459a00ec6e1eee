import type { ObjectPayload } from './envelope.js';

export interface ChatFile {
  file_id?: string;
  file_name?: string;
  file_size?: number;
  OS_file_type?: string;
  file_message_type?: string;
  [extra: string]: unknown;
}

/** A Team Chat message (`team_chat.*_message_*`). */
export interface TeamChatMessageObject {
  message_id: string;
  message?: string;
  date_time?: string;
  /** Epoch ms. */
  timestamp?: number;
  channel_id?: string;
  channel_name?: string;
  channel_owner_account_id?: string;
  contact_id?: string;
  contact_email?: string;
  session_id?: string;
  reply_main_message_id?: string;
  files?: ChatFile[];
  rich_text?: { start_position?: number; end_position?: number; format_type?: string; [extra: string]: unknown }[];
  at_items?: { at_contact?: string; at_contact_user_id?: string; at_type?: number; start_position?: number; end_position?: number; [extra: string]: unknown }[];
  [extra: string]: unknown;
}

export interface TeamChatChannelObject {
  channel_id?: string;
  channel_name?: string;
  channel_type?: number | string;
  date_time?: string;
  timestamp?: number;
  members?: { id?: string; email?: string; [extra: string]: unknown }[];
  [extra: string]: unknown;
}

/** Legacy chat message (`chat_message.*`): `id` instead of `message_id`. */
export interface ChatMessageObject {
  id: string;
  type?: string;
  message?: string;
  date_time?: string;
  timestamp?: number;
  session_id?: string;
  contact_email?: string;
  contact_id?: string;
  channel_id?: string;
  channel_name?: string;
  [extra: string]: unknown;
}

type TeamChat<T> = ObjectPayload<T> & { operator_member_id?: string; by_external_user?: boolean };

/** Team Chat events, current (`team_chat.*`) and legacy (`chat_message.*`, `chat_channel.*`). */
export interface TeamChatEventMap {
  'team_chat.channel_message_posted': TeamChat<TeamChatMessageObject>;
  'team_chat.channel_message_updated': TeamChat<TeamChatMessageObject>;
  'team_chat.channel_message_deleted': TeamChat<TeamChatMessageObject>;
  'team_chat.dm_message_posted': TeamChat<TeamChatMessageObject>;
  'team_chat.dm_message_updated': TeamChat<TeamChatMessageObject>;
  'team_chat.dm_message_deleted': TeamChat<TeamChatMessageObject>;
  'team_chat.channel_created': TeamChat<TeamChatChannelObject>;
  'team_chat.channel_updated': TeamChat<TeamChatChannelObject>;
  'team_chat.channel_deleted': TeamChat<TeamChatChannelObject>;
  'team_chat.channel_member_invited': TeamChat<TeamChatChannelObject>;
  'team_chat.channel_member_joined': TeamChat<TeamChatChannelObject>;
  'team_chat.channel_member_left': TeamChat<TeamChatChannelObject>;
  'team_chat.channel_member_removed': TeamChat<TeamChatChannelObject>;
  'chat_message.sent': ObjectPayload<ChatMessageObject>;
  'chat_message.updated': ObjectPayload<ChatMessageObject>;
  'chat_message.deleted': ObjectPayload<ChatMessageObject>;
  'chat_channel.created': ObjectPayload<TeamChatChannelObject>;
  'chat_channel.updated': ObjectPayload<TeamChatChannelObject>;
  'chat_channel.deleted': ObjectPayload<TeamChatChannelObject>;
  'chat_channel.member_invited': ObjectPayload<TeamChatChannelObject>;
  'chat_channel.member_joined': ObjectPayload<TeamChatChannelObject>;
  'chat_channel.member_left': ObjectPayload<TeamChatChannelObject>;
}
