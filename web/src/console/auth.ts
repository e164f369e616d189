// The console's session: a staff account's tokens kept in this browser, renewed with the
// refresh token when the access token lapses; sign-out revokes the session at the gateway.
import { reactive } from 'vue'
import { makeClient, type Schemas } from '@/api/client'
import { unwrap } from '@/api/problem'
import { refreshStaff, storageSession } from '@/api/session'

export const store = storageSession(localStorage, 'dudao.console.session')

export const session = reactive<{ me: Schemas['Me'] | null; expired: boolean }>({
  me: null,
  expired: false,
})

const signedOut = () => {
  session.me = null
  session.expired = true
  const here = location.pathname + location.search
  if (!location.pathname.startsWith('/login')) {
    location.assign(`/login?next=${encodeURIComponent(here)}&expired=1`)
  }
}

export const { api, authed } = makeClient(store, refreshStaff, signedOut)

export async function signIn(username: string, password: string): Promise<Schemas['Me']> {
  const pair = unwrap(await api.POST('/api/v1/auth/login', { body: { username, password } }))
  store.set(pair)
  session.expired = false
  return loadMe()
}

/** The one-time code an outside sign-in (统一身份认证) left in the URL fragment, for tokens. */
export async function signInWithCode(code: string): Promise<Schemas['Me']> {
  const pair = unwrap(await api.POST('/api/v1/auth/sso/exchange', { body: { code } }))
  store.set(pair)
  session.expired = false
  return loadMe()
}

export async function loadMe(): Promise<Schemas['Me']> {
  const me = unwrap(await api.GET('/api/v1/auth/me'))
  session.me = me
  return me
}

export async function signOut(): Promise<void> {
  if (store.get()) await api.POST('/api/v1/auth/logout').catch(() => undefined)
  store.set(null)
  session.me = null
}

export const canWrite = (): boolean => ['admin', 'planner'].includes(session.me?.role ?? '')
export const isAdmin = (): boolean => session.me?.role === 'admin'
