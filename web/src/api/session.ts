// Who is signed in, and a fetch that carries their access token and renews it once on a 401.
// The console keeps a staff session (access + refresh token); the phone page keeps a unit token
// for the life of the browser tab only and exchanges it again when its access token lapses.

export interface Tokens {
  access_token: string
  refresh_token?: string | null
  role: string
  unit_id?: string | null
}

export interface SessionStore {
  get(): Tokens | null
  set(tokens: Tokens | null): void
}

export function storageSession(storage: Storage, key: string): SessionStore {
  return {
    get() {
      const raw = storage.getItem(key)
      if (!raw) return null
      try {
        return JSON.parse(raw) as Tokens
      } catch {
        storage.removeItem(key)
        return null
      }
    },
    set(tokens) {
      if (tokens) storage.setItem(key, JSON.stringify(tokens))
      else storage.removeItem(key)
    },
  }
}

/** Obtains fresh tokens when the access token was refused; null means "sign in again". */
export type Renew = (
  current: Tokens | null,
  fetchImpl: typeof fetch,
  origin: string,
) => Promise<Tokens | null>

export interface AuthFetchOptions {
  store: SessionStore
  renew: Renew
  onSignedOut: () => void
  fetchImpl?: typeof fetch
}

/**
 * A fetch for openapi-fetch: adds the bearer token; on a 401 renews the tokens once (concurrent
 * requests share one renewal, since a refresh token is single-use) and repeats the request.
 */
export function authFetch(opts: AuthFetchOptions): (input: Request) => Promise<Response> {
  const base = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a))
  let renewing: Promise<Tokens | null> | null = null

  const send = (req: Request, tokens: Tokens | null): Promise<Response> => {
    const r = new Request(req)
    if (tokens) r.headers.set('Authorization', `Bearer ${tokens.access_token}`)
    return base(r)
  }

  return async (input: Request) => {
    const tokens = opts.store.get()
    const retry = input.clone()
    const first = await send(input, tokens)
    if (first.status !== 401 || !tokens) return first
    if (!renewing) {
      renewing = opts.renew(tokens, base, new URL(input.url).origin).finally(() => {
        renewing = null
      })
    }
    const renewed = await renewing
    if (!renewed) {
      opts.store.set(null)
      opts.onSignedOut()
      return first
    }
    opts.store.set(renewed)
    return send(retry, renewed)
  }
}

/** Staff: the refresh token is exchanged for a new pair (it rotates on every use). */
export const refreshStaff: Renew = async (current, fetchImpl, origin) => {
  if (!current?.refresh_token) return null
  const r = await fetchImpl(
    new Request(`${origin}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    }),
  )
  return r.ok ? ((await r.json()) as Tokens) : null
}

/** A unit: the unit token kept for this tab is exchanged again. */
export function reexchangeUnit(unitToken: () => string | null): Renew {
  return async (_current, fetchImpl, origin) => {
    const token = unitToken()
    if (!token) return null
    const r = await fetchImpl(
      new Request(`${origin}/api/v1/auth/unit_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token }),
      }),
    )
    return r.ok ? ((await r.json()) as Tokens) : null
  }
}

/** The unit token arrives in the link's fragment (never sent to a server, never logged). */
export function tokenFromFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const t = params.get('t')
  return t && t.trim() ? t.trim() : null
}
