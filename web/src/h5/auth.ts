// The unit page's session. The unit token arrives in the link's fragment (#t=…), is kept in
// sessionStorage only (gone when the tab closes) and exchanged for a 15-minute access token,
// again whenever that lapses. The fragment is removed from the address bar at once.
import { reactive } from 'vue'
import { makeClient } from '@/api/client'
import { ApiError, type Problem } from '@/api/problem'
import { reexchangeUnit, storageSession, type Tokens, tokenFromFragment } from '@/api/session'

const TOKEN_KEY = 'dudao.h5.unit_token'
export const store = storageSession(sessionStorage, 'dudao.h5.session')
const unitToken = () => sessionStorage.getItem(TOKEN_KEY)

export const state = reactive({ signedIn: false, problem: '' })
const REFUSED = '单位令牌无效、已过期或已被撤销，请联系规划处室重新发放'

export const { api, authed } = makeClient(store, reexchangeUnit(unitToken), () => {
  // The unit token itself was refused on renewal: it expired or was revoked.
  sessionStorage.removeItem(TOKEN_KEY)
  state.signedIn = false
  state.problem = REFUSED
})

/** Take the token from the link, before the router reads the address (it would keep it). */
export function takeTokenFromLink(): void {
  const fromLink = tokenFromFragment(location.hash)
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink)
    store.set(null)
    history.replaceState(history.state, '', location.pathname + location.search)
  }
}

/** Make sure there is a session: exchange the unit token kept for this tab if need be. */
export async function start(): Promise<void> {
  if (store.get()) {
    state.signedIn = true
    return
  }
  const token = unitToken()
  if (!token) {
    state.problem = '请通过规划处室发放的单位令牌链接或二维码打开本页'
    return
  }
  const r = await fetch('/api/v1/auth/unit_token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  })
  if (!r.ok) {
    sessionStorage.removeItem(TOKEN_KEY)
    const err = new ApiError(r.status, (await r.json().catch(() => null)) as Problem | null)
    state.problem = r.status === 401 ? REFUSED : err.message
    return
  }
  store.set((await r.json()) as Tokens)
  state.signedIn = true
}
