// A certified OpenID provider (panva/oidc-provider) for the sign-in tests, on a loopback port.
// Configured by the environment the pytest fixture sets:
//   PORT            port to listen on (issuer http://127.0.0.1:PORT)
//   OIDC_JWKS       {"keys": [...]} private signing keys (the first signs; rotation = restart
//                   with another set)
//   OIDC_CLIENTS    [{client_id, client_secret, redirect_uris}] registered clients
//   OIDC_ACCOUNTS   {"<sub>": {claims}} accounts; any login name not listed is refused
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  ...c,
}));

const provider = new Provider(issuer, {
  clients,
  jwks: JSON.parse(process.env.OIDC_JWKS),
  pkce: { required: () => true, methods: ['S256'] },
  features: { devInteractions: { enabled: true } },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
    staff: ['employee_no'],
  },
  scopes: ['openid', 'profile', 'email', 'staff'],
  conformIdTokenClaims: false,
  cookies: { keys: ['dudao-test-provider-cookie-key'] },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60 },
  async findAccount(ctx, sub) {
    if (!accounts[sub]) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
