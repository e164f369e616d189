// The unit's unread count for the 消息 tab: read when the page opens, on each screen change
// and every minute, and set by the messages page when it marks notices read.
import { ref } from 'vue'
import { api } from './auth'

export const unread = ref(0)

export async function refreshUnread(): Promise<void> {
  const r = await api.GET('/api/v1/notices/unread_count').catch(() => null)
  // A failed count keeps the last one: the badge is a hint, the list is the truth.
  if (r?.data) unread.value = r.data.unread
}
