// The typed API client: openapi-fetch over the types generated from the gateway's OpenAPI
// document (`make web-client`), with the session's token and one renewal on a 401.
import createClient from 'openapi-fetch'
import type { components, paths } from './schema'
import { ApiError } from './problem'
import { authFetch, type Renew, type SessionStore } from './session'

export type Schemas = components['schemas']
export type ApiClient = ReturnType<typeof createClient<paths>>

export type AuthedFetch = (input: Request) => Promise<Response>

export function makeClient(
  store: SessionStore,
  renew: Renew,
  onSignedOut: () => void,
): { api: ApiClient; authed: AuthedFetch } {
  const authed = authFetch({ store, renew, onSignedOut })
  return { api: createClient<paths>({ baseUrl: '', fetch: authed }), authed }
}

/** A file the API protects with the bearer token (evidence, .xlsx exports), saved by the browser. */
export async function download(authed: AuthedFetch, url: string, filename: string): Promise<void> {
  const r = await authed(new Request(url))
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null))
  const blob = await r.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

