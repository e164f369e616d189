// The unread count of the signed-in user's inbox, shown on the menu: read on sign-in, on each
// screen change and every minute, and set by the inbox page when it marks notices read.
import { ref } from 'vue'
import { api } from './auth'

export const unread = ref(0)

export async function refreshUnread(): Promise<void> {
  const r = await api.GET('/api/v1/notices/unread_count').catch(() => null)
  // A failed count leaves the last one shown: the badge is a hint, the list is the truth.
  if (r?.data) unread.value = r.data.unread
}
