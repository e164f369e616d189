"""The province's unified identity platform's ticket sign-on, the wire side: the browser goes to
the platform's login page with our service URL, comes back with a one-time ticket, and we
validate the ticket server to server and read the user's attributes.

This adapter speaks the CAS protocol (``/login?service=…`` → ``?ticket=ST-…`` →
``/serviceValidate?service=…&ticket=…`` answered by ``<cas:serviceResponse>``), the common form
of such platforms; the endpoints and the attribute naming the user come from configuration.
Everything else in the gateway sees only an ``Identity``."""

from __future__ import annotations

from urllib.parse import urlencode

from lxml import etree  # type: ignore[import-untyped]

from .oidc import (
    MAX_DOCUMENT_BYTES,
    Identity,
    ProviderUnavailable,
    SignInRefused,
    outbound_client,
)

CAS_NS = "http://www.yale.edu/tp/cas"
# No entities, no network, no DTD: the answer is data from outside.
PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def _service_with_state(service_url: str, state: str) -> str:
    sep = "&" if "?" in service_url else "?"
    return f"{service_url}{sep}{urlencode({'state': state})}"


class TicketProvider:
    name = "ticket"

    def __init__(
        self,
        *,
        login_url: str,
        validate_url: str,
        service_url: str,
        subject_attribute: str,
        timeout: float,
    ) -> None:
        self.login_url = login_url
        self.validate_url = validate_url
        self.service_url = service_url
        self.subject_attribute = subject_attribute
        self.timeout = timeout

    def login_redirect(self, *, state: str, service_url: str) -> str:
        service = _service_with_state(self.service_url or service_url, state)
        sep = "&" if "?" in self.login_url else "?"
        return f"{self.login_url}{sep}{urlencode({'service': service})}"

    async def validate(self, *, ticket: str, state: str, service_url: str) -> Identity:
        """The ticket checked at the platform for exactly our service URL (a ticket issued for
        another service, used before or expired is refused there)."""
        service = _service_with_state(self.service_url or service_url, state)
        params = {"service": service, "ticket": ticket}
        async with outbound_client(self.timeout) as client:
            try:
                async with client.stream("GET", self.validate_url, params=params) as r:
                    if r.status_code != 200:
                        raise ProviderUnavailable(f"统一身份认证平台返回 {r.status_code}")
                    body = b""
                    async for chunk in r.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_DOCUMENT_BYTES:
                            raise ProviderUnavailable("统一身份认证平台的应答过大")
            except ProviderUnavailable:
                raise
            except Exception:  # noqa: BLE001 - any transport failure is the platform's
                raise ProviderUnavailable("无法连接统一身份认证平台") from None
        return self._parse(body)

    def _parse(self, body: bytes) -> Identity:
        try:
            root = etree.fromstring(body, PARSER)
        except etree.XMLSyntaxError:
            raise ProviderUnavailable("统一身份认证平台的应答不是有效的 XML") from None
        ns = {"cas": CAS_NS}
        failure = root.find("cas:authenticationFailure", ns)
        if failure is not None:
            code = (failure.get("code") or "").strip()[:60]
            raise SignInRefused(f"票据无效、已使用或已过期（{code}）")
        success = root.find("cas:authenticationSuccess", ns)
        user = success.find("cas:user", ns) if success is not None else None
        if user is None or not (user.text or "").strip():
            raise ProviderUnavailable("统一身份认证平台的应答缺少用户")
        attributes: dict[str, str] = {"user": user.text.strip()}
        found = success.find("cas:attributes", ns) if success is not None else None
        if found is not None:
            for el in found:
                local = etree.QName(el).localname
                attributes[local] = (el.text or "").strip()
        subject = attributes.get(self.subject_attribute) if self.subject_attribute else None
        subject = subject or attributes["user"]
        return Identity(self.name, subject[:255], dict(attributes))
