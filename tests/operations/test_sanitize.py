"""The one sanitizer: a table of hostile inputs, then its smaller promises.

Pure Python: no database, no Django settings, no Redis needed to reason about it.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from operations.sanitize import REDACTED, sanitize, sanitize_code

ROOMY = 4000  # table cases check what survives, so they get room for it

REQ_ID = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
CLIENT_REQ_ID = "5d6c7b8a-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP_ID = "11111111-2222-3333-4444-555555555555"
TRACE_ID = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
CORRELATION_ID = "3c2b1a09-8f7e-4d6c-a5b4-c3d2e1f0a9b8"

JWT_HEADER = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ik1yNS1BVWliZkJpaTdOZDFqQmViYXhib1hXMCJ9"
JWT_PAYLOAD = "eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiI3MmY5ODhiZiJ9"
JWT_SIGNATURE = "c2lnbmF0dXJlX2J5dGVzX2hlcmVfMTIzNDU2Nzg5MC1fQUJDREVG"
JWT = f"{JWT_HEADER}.{JWT_PAYLOAD}.{JWT_SIGNATURE}"
JWT_PARTS = [JWT_HEADER, JWT_PAYLOAD, JWT_SIGNATURE]
# 3 chars + digit + "Q~" + 34 chars: the shape Entra ID gives client secrets.
ENTRA_SECRET = "Abc8Q~xY7zK2mN9pQ4rS6tU1vW3xZ5aB8cD0eF2g.h"
ENTRA_PARTS = [ENTRA_SECRET, ENTRA_SECRET[6:20]]

AADSTS_BODY = json.dumps(
    {
        "error": "invalid_client",
        "error_description": (
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the"
            " request is the client secret value, not the client secret ID, for a secret added to"
            f" app '{APP_ID}'. Trace ID: {TRACE_ID} Correlation ID: {CORRELATION_ID}"
            " Timestamp: 2026-11-27 10:00:00Z"
        ),
        "error_codes": [7000215],
        "timestamp": "2026-11-27 10:00:00Z",
        "trace_id": TRACE_ID,
        "correlation_id": CORRELATION_ID,
    },
    separators=(",", ":"),
)
AGS_DIAGNOSTIC = json.dumps(
    {
        "ServerInfo": {
            "DataCenter": "West Europe",
            "Slice": "E",
            "Ring": "5",
            "ScaleUnit": "002",
            "RoleInstance": "AM2PEPF0001A3B4",
        }
    },
    separators=(",", ":"),
)
GRAPH_401_BODY = json.dumps(
    {
        "error": {
            "code": "InvalidAuthenticationToken",
            "message": "Access token has expired or is not yet valid.",
            "innerError": {
                "date": "2026-11-27T10:00:00",
                "request-id": REQ_ID,
                "client-request-id": CLIENT_REQ_ID,
            },
        }
    },
    separators=(",", ":"),
)

TRACEBACK_WITH_SECRETS = f"""sync of tenant {TENANT_ID} failed
Traceback (most recent call last):
  File "/app/inventory/sources/graph.py", line 88, in fetch_page
    response = client.get(url, headers={{"Authorization": "Bearer {JWT}"}})
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/app/inventory/sources/graph.py", line 41, in _token
    return msal_app.acquire_token(client_secret="{ENTRA_SECRET}", password="FrameP4ss")
  File "/app/.venv/lib/python3.13/site-packages/httpx/_models.py", line 829, in raise_for_status
    raise HTTPStatusError(message, request=request, response=self)
inventory.sources.errors.GraphError: 401 InvalidAuthenticationToken request-id: {REQ_ID}
"""

CHAINED_TRACEBACK = f"""Traceback (most recent call last):
  File "/app/backups/store.py", line 12, in put
    connect("postgres://backup:Chain3dPw@db:5432/ta")
ConnectionError: password=FirstExcSecret rejected

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/backups/run.py", line 30, in run
    store.put(blob)
RuntimeError: backup failed for tenant {TENANT_ID} request-id: {REQ_ID}
"""

MEGABYTE = 1_000_000
MEGA_PROSE = (
    "password=StartSecret123 "
    + "lorem ipsum dolor " * (MEGABYTE // 18)
    + " client_secret=EndSecret456"
)
MEGA_TOKEN = "sig=StartSig0001&" + "a" * MEGABYTE + "&sig=EndSig0002"
MEGA_TRACEBACK = (
    "Traceback (most recent call last):\n"
    + '  File "/app/x.py", line 1, in f\n    f(password="FrameSecret9")\n' * 15_000
    + f"graph.errors.ThrottledError: 429 TooManyRequests request-id: {REQ_ID}"
    + f" Authorization: Bearer {JWT}\n"
)
WINDOW = 8 * 1024  # operations.sanitize._MIN_WINDOW: the straddling cases sit on its edge


def straddling(secret_assignment: str, into: int) -> str:
    """Whitespace up to the regex window, then a secret the window edge cuts `into` chars in."""
    return " " * (WINDOW - into) + secret_assignment


def case(
    text: object, secrets: list[str], kept: list[str] | None = None, *, id: str
) -> pytest.ParameterSet:
    return pytest.param(text, secrets, kept or [], id=id)


HOSTILE = [
    case(
        "GET /v1.0/deviceManagement/managedDevices failed: 401\n"
        f"Authorization: Bearer {JWT}\nrequest-id: {REQ_ID}\nclient-request-id: {CLIENT_REQ_ID}",
        JWT_PARTS,
        ["failed: 401", "Authorization: ***", f"request-id: {REQ_ID}", CLIENT_REQ_ID],
        id="authorization-header",
    ),
    case(
        f"Graph rejected Bearer abc123XYZsecretTOKEN456 for tenant {TENANT_ID}",
        ["abc123XYZsecretTOKEN456"],
        ["Graph rejected Bearer ***", TENANT_ID],
        id="bearer-in-prose",
    ),
    case(f"token expired: {JWT} at 10:00", JWT_PARTS, ["token expired", "at 10:00"], id="jwt"),
    case(
        "signature check failed on eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMtc3luYyJ9",
        ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiJzdmMtc3luYyJ9"],
        ["signature check failed on ***"],
        id="jwt-two-part-fragment",
    ),
    case(
        f"AADSTS7000215: Invalid client secret provided ({ENTRA_SECRET}).",
        ENTRA_PARTS,
        ["AADSTS7000215: Invalid client secret provided"],
        id="entra-secret-bare",
    ),
    case(
        AADSTS_BODY,
        [],
        [
            "AADSTS7000215: Invalid client secret provided",
            '"error":"invalid_client"',
            APP_ID,
            TRACE_ID,
            CORRELATION_ID,
            "Timestamp: 2026-11-27 10:00:00Z",
            '"error_codes":[7000215]',
        ],
        id="entra-error-body-kept-whole",
    ),
    case(
        f"POST /{TENANT_ID}/oauth2/v2.0/token body: client_id={APP_ID}"
        f"&client_secret={ENTRA_SECRET}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        "&grant_type=client_credentials",
        ENTRA_PARTS,
        [f"client_id={APP_ID}", "client_secret=***&scope=", "grant_type=client_credentials"],
        id="token-request-form-body",
    ),
    case(
        "GET https://graph.microsoft.com/v1.0/me?access_token=Opaque.Tok-9f8e7d&api-version=1.6"
        " returned 403",
        ["Opaque.Tok-9f8e7d", "9f8e7d"],
        ["access_token=***&api-version=1.6 returned 403"],
        id="access-token-in-query",
    ),
    case(
        "grant_type=refresh_token&refresh_token=0.AXoAv4j5cvGGr0GRqy180BHbR-refresh_Zz9"
        f"&client_id={APP_ID}",
        ["0.AXoAv4j5cvGGr0GRqy180BHbR", "refresh_Zz9"],
        ["grant_type=refresh_token&refresh_token=***&client_id=", APP_ID],
        id="refresh-token-form-body",
    ),
    case(
        json.dumps(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "access_token": JWT,
                "refresh_token": "1.AXoA-refresh-Zz9Yy8",
                "id_token": "eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.",
            }
        ),
        [*JWT_PARTS, "1.AXoA-refresh-Zz9Yy8", "eyJvaWQiOiJ4In0"],
        ['"token_type": "Bearer"', '"expires_in": 3599', '"access_token": "***"'],
        id="token-response-json",
    ),
    case(
        f"{{'username': 'svc-sync@contoso.com', 'password': 'Tr0ub4dor&3',"
        f" 'tenant': '{TENANT_ID}'}}",
        ["Tr0ub4dor"],
        ["'username': 'svc-sync@contoso.com'", "'password': '***'", TENANT_ID],
        id="python-dict-repr",
    ),
    case(
        json.dumps(
            {
                "error": "upstream_failed",
                "detail": json.dumps({"client_secret": ENTRA_SECRET, "request-id": REQ_ID}),
            }
        ),
        ENTRA_PARTS,
        ["upstream_failed", REQ_ID, '\\"client_secret\\": \\"***\\"'],
        id="escaped-json-in-json",
    ),
    case(
        json.dumps(
            {"log": json.dumps({"body": json.dumps({"password": "Sp1ng!Sp1ng", "user": "svc"})})}
        ),
        ["Sp1ng"],
        ["svc"],
        id="double-escaped-json",
    ),
    case(
        json.dumps({"password": 'quo"tedSecret42', "user": "svc"}),
        ["tedSecret42", "quo"],
        ['"user": "svc"'],
        id="json-value-with-escaped-quote",
    ),
    case(
        json.dumps({"user": "svc", "password": 987654321, "retries": 3}),
        ["987654321"],
        ['"retries": 3'],
        id="json-numeric-password",
    ),
    case(
        "HTTP/1.1 401 Unauthorized\nX-Api-Key: k3y-0123456789abcdef\n"
        "Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef\napi-key: live_abc123\n"
        f"request-id: {REQ_ID}",
        ["k3y-0123456789abcdef", "0123456789abcdef0123456789abcdef", "live_abc123"],
        ["HTTP/1.1 401 Unauthorized", "X-Api-Key: ***", REQ_ID],
        id="api-key-headers",
    ),
    case(
        "Cookie: ESTSAUTH=AQABAAQAAAD--SessionXyz; buid=0.AXoAbuid123; fpc=AnqFpc456\n"
        "Set-Cookie: x-ms-gateway-slice=estsfd; ESTSAUTHPERSISTENT=PersistXyz789; path=/; secure",
        ["SessionXyz", "buid123", "AnqFpc456", "PersistXyz789"],
        ["Cookie: ***", "Set-Cookie: ***"],
        id="cookie-headers",
    ),
    case(
        "Proxy-Authorization: Basic c3ZjLXN5bmM6UzNjcjN0UGFzcw==\nVia: 1.1 proxy",
        ["c3ZjLXN5bmM6UzNjcjN0UGFzcw"],
        ["Proxy-Authorization: ***", "Via: 1.1 proxy"],
        id="proxy-authorization-basic",
    ),
    case(
        "upstream sent Basic dXNlcjpodW50ZXIy and basic configuration is required",
        ["dXNlcjpodW50ZXIy"],
        ["upstream sent Basic ***", "basic configuration is required"],
        id="basic-credentials-in-prose",
    ),
    case(
        "Authorization: SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net%2Fq"
        "&sig=Zm9vYmFyU2lnMTIz%3D&se=1767225600&skn=RootManageSharedAccessKey",
        ["Zm9vYmFyU2lnMTIz"],
        ["Authorization: ***"],
        id="sas-authorization-header",
    ),
    case(
        'Authorization: Digest username="svc", realm="intune", nonce="dcd98b7102dd2f0e8b11d0f6",'
        ' uri="/api", response="6629fae49393a05397450978507c4ef1" then 401',
        ["6629fae49393a05397450978507c4ef1", "dcd98b7102dd2f0e8b11d0f6"],
        ["then 401"],
        id="digest-authorization-header",
    ),
    case(
        "ProxyError: https://svc-user:P%40ssw0rd!@proxy.contoso.com:8080/ refused",
        ["P%40ssw0rd", "svc-user"],
        ["https://***@proxy.contoso.com:8080/ refused"],
        id="url-credentials",
    ),
    case(
        "ConnectionError: redis://:r3d1sPa55@cache.internal:6379/0 unreachable",
        ["r3d1sPa55"],
        ["redis://***@cache.internal:6379/0 unreachable"],
        id="url-password-only",
    ),
    case(
        "could not load certificate: -----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEowIBAAKCAQEA1b2c3d4e5f6g7h8\nQmFzZTY0S2V5TWF0ZXJpYWw=\n"
        "-----END RSA PRIVATE KEY-----\nthumbprint mismatch",
        ["MIIEowIBAAKCAQEA1b2c3d4e5f6g7h8", "QmFzZTY0S2V5TWF0ZXJpYWw", "PRIVATE KEY"],
        ["could not load certificate: *** thumbprint mismatch"],
        id="pem-private-key",
    ),
    case(
        "key load failed -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"],
        ["key load failed"],
        id="pem-without-end",
    ),
    case(
        json.dumps(
            {
                "certificate": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG\n"
                "-----END ENCRYPTED PRIVATE KEY-----",
                "request-id": REQ_ID,
            }
        ),
        ["MIIFHDBOBgkqhkiG"],
        [REQ_ID],
        id="pem-in-json-string",
    ),
    case(
        "BlobError: https://acct.blob.core.windows.net/backups/t1.json?sv=2022-11-02&ss=b&sp=r"
        "&se=2026-11-28T00:00:00Z&sig=AbCdEf%2BgHiJkLmNoPqRsTuVwXyZ0123456789%3D",
        ["AbCdEf%2BgHiJkLmNoPq", "TuVwXyZ0123456789"],
        ["acct.blob.core.windows.net/backups/t1.json?sv=2022-11-02", "sig=***"],
        id="sas-url",
    ),
    case(
        "Server=db;Database=ta;User Id=svc;Password=p@ss;w0rd&x(1)<2>;Encrypt=true",
        ["p@ss", "w0rd", "x(1)<2>"],
        ["Database=ta;User Id=svc;Password=***;Encrypt=true"],
        id="password-with-delimiters-in-connection-string",
    ),
    case(
        "postgres://svc:p@ss@db.internal:5432/ta refused",
        ["p@ss", "svc:"],
        ["postgres://***@db.internal:5432/ta refused"],
        id="url-password-containing-at",
    ),
    case(
        json.dumps(
            {
                "@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration",
                "passcode": "4711",
                "passcodeMinimumLength": 4,
                "wiFi": {"preSharedKey": "wifiPSK-0815"},
            }
        ),
        ['"4711"', "wifiPSK-0815"],
        ['"passcodeMinimumLength": 4', "#microsoft.graph.iosGeneralDeviceConfiguration"],
        id="intune-profile-secrets",
    ),
    case(
        "DefaultEndpointsProtocol=https;AccountName=tabackups;"
        "AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg+/AbCd==;EndpointSuffix=core.windows.net",
        ["Zm9vYmFyYmF6cXV4", "AbCd=="],
        ["AccountName=tabackups;AccountKey=***;EndpointSuffix=core.windows.net"],
        id="storage-connection-string",
    ),
    case(
        "Endpoint=sb://ta-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey"
        ";SharedAccessKey=s3cr3tBusKey+abc=",
        ["s3cr3tBusKey"],
        ["SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=***"],
        id="service-bus-connection-string",
    ),
    case(
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        f"&client_assertion={JWT}&client_id={APP_ID}",
        JWT_PARTS,
        ["client_assertion_type=urn%3Aietf", "client_assertion=***&client_id=", APP_ID],
        id="client-assertion",
    ),
    case(
        "redirect https://localhost/callback?code=0.AXoAv4j5cvGGr0GRqy180BHbR-authcode_xyz"
        f"&state=12345&session_state={REQ_ID}",
        ["0.AXoAv4j5cvGGr0GRqy180BHbR", "authcode_xyz"],
        ["callback?code=***&state=12345", REQ_ID],
        id="oauth-code-in-redirect",
    ),
    case(
        f"Graph said {GRAPH_401_BODY}\nx-ms-ags-diagnostic: {AGS_DIAGNOSTIC}\n"
        f"Authorization: Bearer {JWT}\nDate: Thu, 27 Nov 2026 10:00:00 GMT",
        JWT_PARTS,
        [
            '"code":"InvalidAuthenticationToken"',
            '"message":"Access token has expired or is not yet valid."',
            f'"request-id":"{REQ_ID}"',
            f'"client-request-id":"{CLIENT_REQ_ID}"',
            '"date":"2026-11-27T10:00:00"',
            "x-ms-ags-diagnostic:",
            '"RoleInstance":"AM2PEPF0001A3B4"',
            "Date: Thu, 27 Nov 2026 10:00:00 GMT",
        ],
        id="graph-401-with-support-ids",
    ),
    case(
        f"ClientSecretCredential(tenant_id='{TENANT_ID}', client_id='{APP_ID}',"
        f" client_secret='{ENTRA_SECRET}')",
        ENTRA_PARTS,
        [TENANT_ID, APP_ID, "client_secret='***'"],
        id="kwargs-repr",
    ),
    case(
        "apikey=AKxyz111 api_key=AKxyz222 sig=AKxyz333 signature=AKxyz444 pwd=AKxyz555"
        " passwd=AKxyz666 secret=AKxyz777 key=AKxyz888 id_token=AKxyz999",
        [f"AKxyz{n}" for n in (111, 222, 333, 444, 555, 666, 777, 888, 999)],
        ["apikey=*** api_key=***", "key=*** id_token=***"],
        id="assignment-name-variants",
    ),
    case(
        "Password: hunter2hunter\nclient-secret: cs-987654\naccess-token: at-123456\n"
        "clientSecret: camelS3cret\nsecretText: gr4phSecretText",
        ["hunter2hunter", "cs-987654", "at-123456", "camelS3cret", "gr4phSecretText"],
        ["Password: *** client-secret: ***"],
        id="colon-name-variants",
    ),
    case(
        TRACEBACK_WITH_SECRETS,
        [*JWT_PARTS, *ENTRA_PARTS, "FrameP4ss", "/app/inventory", "Traceback", "sync of tenant"],
        # Support ids come first (never cut), then the exception line.
        [
            f"request-id: {REQ_ID} inventory.sources.errors.GraphError: "
            "401 InvalidAuthenticationToken"
        ],
        id="traceback-frames-with-secrets",
    ),
    case(
        CHAINED_TRACEBACK,
        ["Chain3dPw", "FirstExcSecret", "During handling"],
        [f"request-id: {REQ_ID} RuntimeError: backup failed for tenant {TENANT_ID}"],
        id="chained-traceback",
    ),
    case(
        MEGA_PROSE,
        ["StartSecret123", "EndSecret456"],
        # A password may hold spaces: the rest of its clause is withheld too.
        ["password=***"],
        id="megabyte-secret-at-both-ends",
    ),
    case(MEGA_TOKEN, ["StartSig0001", "EndSig0002"], ["sig=***"], id="megabyte-single-token"),
    case(
        MEGA_TRACEBACK,
        [*JWT_PARTS, "FrameSecret9", "/app/x.py"],
        [
            f"request-id: {REQ_ID} graph.errors.ThrottledError: "
            "429 TooManyRequests Authorization: ***"
        ],
        id="megabyte-traceback",
    ),
    case(
        straddling("client_secret=StraddleSecret0123456789", into=20),
        ["Straddle", "StraddleSecret0123456789"[:6]],
        id="secret-straddling-the-window",
    ),
    case(straddling(JWT, into=40), [JWT_HEADER[:12]], id="jwt-straddling-the-window"),
    case(
        straddling(f"{ENTRA_SECRET} and more", into=10),
        [ENTRA_SECRET[:10], ENTRA_SECRET[:4]],
        id="entra-secret-straddling-the-window",
    ),
    case(
        "pass\x00word=Nul1Secret\x00\x01\x02 next\x7f\x9b field\u200b\u202e end",
        ["Nul1Secret"],
        ["password=***"],  # the words after a password are withheld with it
        id="nul-and-control-characters",
    ),
    case(
        "p\x00a\x00s\x00s\x00w\x00o\x00r\x00d\x00=\x00W\x00i\x00d\x00e\x00S\x00e\x00c\x00",
        ["WideSec"],
        ["password=***"],
        id="utf16-as-latin1-nuls",
    ),
    case(
        "\x1b[31mERROR\x1b[0m token=Ansi5ecret \x1b]8;;http://x\x07link\x1b]8;;\x07 done",
        ["Ansi5ecret", "[31m"],
        ["ERROR token=*** link done"],
        id="ansi-escapes",
    ),
    case(
        b'{"client_secret":"' + ENTRA_SECRET.encode() + b'","error":"invalid_client"}\xff\xfe',
        ENTRA_PARTS,
        ['"client_secret":"***"', '"error":"invalid_client"'],
        id="bytes-input",
    ),
    case(
        ValueError(f"Graph call failed: Authorization: Bearer {JWT} request-id: {REQ_ID}"),
        JWT_PARTS,
        ["Graph call failed: Authorization: ***", f"request-id: {REQ_ID}"],
        id="exception-input",
    ),
    case(
        RuntimeError(b'{"password": "BytesPw1", "error": "bad_request"}'),
        ["BytesPw1"],
        ['"error": "bad_request"'],
        id="exception-holding-bytes",
    ),
    case(None, [], [], id="none-input"),
    case(
        "<s:Envelope><wsse:UsernameToken><wsse:Username>svc</wsse:Username>"
        '<wsse:Password Type="PasswordText">XmlS3cret!</wsse:Password></wsse:UsernameToken>',
        ["XmlS3cret"],
        ["<wsse:Username>svc</wsse:Username>", ">***</wsse:Password>"],
        id="xml-soap-password",
    ),
    case(
        "headers=[('Authorization', 'Bearer TupleTok3n'), ('X-Api-Key', 'TupleKey9'),"
        f" ('client-request-id', '{CLIENT_REQ_ID}')]",
        ["TupleTok3n", "TupleKey9"],
        [f"('client-request-id', '{CLIENT_REQ_ID}')"],
        id="header-tuples",
    ),
    case(
        f"config:\n  client_secret:\n    YamlS3cret42\n  tenant: {TENANT_ID}",
        ["YamlS3cret42"],
        [f"client_secret: *** tenant: {TENANT_ID}"],
        id="yaml-value-on-next-line",
    ),
    case(
        f"az login --service-principal --username {APP_ID} --password=CliS3cret!"
        f" --tenant {TENANT_ID}",
        ["CliS3cret"],
        [APP_ID, "--password=***", TENANT_ID],
        id="cli-flag",
    ),
    case(
        json.dumps(
            {"keyId": APP_ID, "secretText": ENTRA_SECRET, "hint": "Abc", "displayName": "sync"}
        ),
        ENTRA_PARTS,
        [f'"keyId": "{APP_ID}"', '"secretText": "***"', '"displayName": "sync"'],
        id="graph-add-password-response",
    ),
    case(
        "key material 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 and"
        " nq4Zr8Lw2XkP0aVbT7mY5sJ1eHcQ9uFgDiRoNt3E6yWq== end",
        ["9f86d081884c7d659a2feaa0c55ad015", "nq4Zr8Lw2XkP0aVbT7mY5sJ1eHcQ9uFg"],
        ["key material *** and *** end"],
        id="hex-and-base64-blobs",
    ),
    case(
        json.dumps(
            {
                "responses": [
                    {
                        "id": "1",
                        "status": 401,
                        "headers": {
                            "WWW-Authenticate": 'Bearer realm="", error="invalid_token"',
                            "x-ms-ags-diagnostic": AGS_DIAGNOSTIC,
                        },
                        "body": json.loads(GRAPH_401_BODY),
                    }
                ],
                "request": {"headers": {"Authorization": f"Bearer {JWT}"}},
            }
        ),
        JWT_PARTS,
        ["InvalidAuthenticationToken", REQ_ID, CLIENT_REQ_ID, "AM2PEPF0001A3B4", "realm="],
        id="graph-batch-response",
    ),
]


def assert_clean_line(out: str, limit: int) -> None:
    assert isinstance(out, str)
    assert len(out) <= limit
    assert out == out.strip()
    assert "  " not in out
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs"} for ch in out), repr(out)


@pytest.mark.parametrize(("text", "secrets", "kept"), HOSTILE)
def test_hostile_input(text: object, secrets: list[str], kept: list[str]) -> None:
    roomy = sanitize(text, max_length=ROOMY)
    default = sanitize(text)

    for secret in secrets:
        assert secret not in roomy
        assert secret not in default
    for part in kept:
        assert part in roomy
    assert_clean_line(roomy, ROOMY)
    assert_clean_line(default, 500)
    assert sanitize(roomy, max_length=ROOMY) == roomy
    assert sanitize(default) == default


def test_the_table_is_big_enough() -> None:
    assert len(HOSTILE) >= 35


# --- prose, support ids and what must not be touched -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "monkey business: keyboard layout broke; tokens were exhausted, retry later",
        "Invalid token: signature verification failed",
        "The refresh token has expired due to inactivity.",
        "Key Vault access denied; a new client secret is required",
        f"request-id: {REQ_ID} client-request-id: {CLIENT_REQ_ID} timestamp: 2026-11-27T10:00:00Z",
        "Error code: AADSTS50076 status code: 401 errorCode=Request_ResourceNotFound",
        "GET https://graph.microsoft.com/v1.0/deviceManagement/managedDevices/"
        f"{REQ_ID}/microsoft.graph.syncDevice returned 404",
        "https://graph.microsoft.com/beta/deviceManagement/deviceConfigurations/assignments",
        'WWW-Authenticate: Bearer realm="", error="invalid_token", error_description="expired"',
        "token_type=Bearer expires_in=3599 keyId=abc",
        "user admin@contoso.com from https://contoso.sharepoint.com/sites/it",
        "headers: Authorization: [secure] password: <redacted> token=null",
        '{"passwordRequired": true, "passwordMinimumLength": 8, "keySize": 2048}',
        "Status code: 429 errorCode=TooManyRequests",
    ],
)
def test_harmless_text_passes_unchanged(text: str) -> None:
    assert sanitize(text, max_length=ROOMY) == text


def test_support_ids_inside_json_are_copied_to_the_front_and_the_json_kept() -> None:
    out = sanitize(GRAPH_401_BODY, max_length=ROOMY)
    assert out == f"request-id: {REQ_ID} client-request-id: {CLIENT_REQ_ID} {GRAPH_401_BODY}"


def test_support_ids_survive_a_cut_whole_and_first() -> None:
    text = "Intune said: " + "the operation could not complete " * 40 + f"Activity ID: {TRACE_ID}"
    out = sanitize(text, max_length=120)
    assert out.startswith(f"Activity ID: {TRACE_ID} Intune said:") and out.endswith("…")
    assert len(out) <= 120


def test_exception_text_is_used_without_a_prefix() -> None:
    assert sanitize(ValueError("quota exceeded")) == "quota exceeded"
    assert sanitize(KeyError("tenant")) == "'tenant'"
    assert sanitize(TimeoutError()) == ""


def test_none_and_empty_give_empty() -> None:
    assert sanitize(None) == ""
    assert sanitize("") == ""
    assert sanitize(" \n\t\x00 ") == ""


def test_bytes_are_decoded_with_replacement() -> None:
    assert sanitize(b"caf\xc3\xa9 \xff ok") == "café \ufffd ok"
    assert sanitize(bytearray(b"token=abc123")) == "token=***"
    assert sanitize(memoryview(b"plain")) == "plain"


# --- whitespace and length -------------------------------------------------------


def test_whitespace_is_collapsed_to_single_spaces() -> None:
    assert sanitize("  a \n\t b\r\n\x0b c\u00a0\u2028d  ") == "a b c d"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    out = sanitize("word " * 500, max_length=50)
    assert len(out) <= 50
    assert out.endswith("…")
    assert out.startswith("word word")


def test_cut_prefers_a_word_boundary() -> None:
    out = sanitize("alpha beta gamma delta epsilon", max_length=20)
    assert out == "alpha beta gamma…"


def test_cut_never_ends_on_half_a_redaction() -> None:
    text = "x" * 40 + " password=hunter2 and more text after it"
    for limit in range(40, 70):
        out = sanitize(text, max_length=limit)
        assert len(out) <= limit
        assert "hunter2" not in out
        body = out.removesuffix("…")
        assert not body.endswith("=")
        assert not body.endswith("*") or body.endswith(REDACTED)
        assert sanitize(out, max_length=limit) == out


def test_short_text_is_not_cut() -> None:
    assert sanitize("fine", max_length=4) == "fine"


@pytest.mark.parametrize(("limit", "expected"), [(0, ""), (-3, ""), (1, "…"), (2, "a…")])
def test_tiny_limits(limit: int, expected: str) -> None:
    assert sanitize("a b c d e f", max_length=limit) == expected


# Guards against catastrophic regex backtracking (minutes, not milliseconds),
# with bounds loose enough for a loaded CI machine; not a measurement.
def test_a_megabyte_is_fast() -> None:
    started = time.perf_counter()
    for text in (MEGA_PROSE, MEGA_TOKEN, MEGA_TRACEBACK, "x" * MEGABYTE, "\x00" * MEGABYTE):
        sanitize(text)
    assert time.perf_counter() - started < 10.0


@pytest.mark.parametrize(
    "text",
    [
        '"password": "' * 5000,
        "password=" * 10000,
        "Authorization: " * 5000,
        "a_" * 30000 + "password",
        "a-" * 30000 + "=x",
        "Traceback (most recent call last):\n" * 3000,
        "-----BEGIN X-----" * 4000,
        "eyJ" + "a." * 30000,
        "8Q~" * 20000,
        "\\" * 60000 + '"password"',
    ],
    ids=lambda text: repr(text[:16]),
)
def test_pathological_inputs_stay_fast(text: str) -> None:
    started = time.perf_counter()
    sanitize(text)
    assert time.perf_counter() - started < 5.0


# --- tracebacks ---------------------------------------------------------------


def test_traceback_is_reduced_to_its_last_line() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/app/x.py", line 3, in <module>\n'
        "    main()\n"
        '  File "/app/x.py", line 2, in main\n'
        '    raise ValueError("boom")\n'
        "ValueError: boom\n"
    )
    assert sanitize(text) == "ValueError: boom"


def test_traceback_keeps_a_multi_line_final_message() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/app/x.py", line 3, in <module>\n'
        "    main()\n"
        "graph.GraphError: 400 BadRequest\n"
        f"request-id: {REQ_ID}\n"
    )
    assert sanitize(text) == f"request-id: {REQ_ID} graph.GraphError: 400 BadRequest"


def test_frames_are_dropped_without_a_traceback_header() -> None:
    text = (
        'worker crashed  File "/app/jobs.py", line 12, in run\n'
        '  File "/app/jobs.py", line 40, in step\n'
        "    secret_thing(password=x)\n"
        "OSError: disk full"
    )
    assert sanitize(text) == "worker crashed OSError: disk full"


# --- idempotence and robustness ----------------------------------------------


@pytest.mark.parametrize("limit", [20, 64, 200, 500])
@pytest.mark.parametrize(
    "text",
    [
        TRACEBACK_WITH_SECRETS,
        AADSTS_BODY,
        GRAPH_401_BODY,
        "Invalid token: signature verification failed " * 20,
        "token: signa" + "ture " * 10,
        '{"password": "abc", "code": "InvalidAuthenticationToken"} ' * 10,
        "key=" + "v" * 600,
        "Authorization: Bearer " + JWT + " after " * 50,
    ],
    ids=lambda value: repr(value)[:24],
)
def test_sanitize_is_idempotent(text: str, limit: int) -> None:
    once = sanitize(text, max_length=limit)
    assert sanitize(once, max_length=limit) == once


SECRETISH = st.sampled_from(
    [
        "password",
        "token",
        "code",
        "key",
        "Bearer",
        "Authorization",
        "Cookie",
        "sig",
        "=",
        ":",
        '"',
        "'",
        "\\",
        '\\"',
        "&",
        ";",
        ",",
        " ",
        "\n",
        "\x00",
        "…",
        "***",
        "eyJhbGciOiJIUzI1NiJ9",
        ".",
        "Abc8Q~",
        "https://u:p@h",
        "-----BEGIN X-----",
        "-----END X-----",
        "Traceback (most recent call last):\n",
        '  File "x.py", line 1, in f\n',
        "signature",
        "null",
        "AADSTS7000215",
        REQ_ID,
    ]
)


@settings(max_examples=400, deadline=None, database=None)
@given(
    parts=st.lists(st.one_of(SECRETISH, st.text(max_size=8)), max_size=30),
    limit=st.integers(min_value=1, max_value=120),
)
def test_properties_hold_for_generated_text(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    out = sanitize(text, max_length=limit)
    assert_clean_line(out, limit)
    assert sanitize(out, max_length=limit) == out


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")


class _ExplodingException(Exception):
    def __str__(self) -> str:
        raise ValueError("nope")


class _Text(str):
    pass


def _recursive_list() -> list[object]:
    items: list[object] = []
    items.append(items)
    return items


@pytest.mark.parametrize(
    "value",
    [
        _Unprintable(),
        _ExplodingException("password=x"),
        10**5000,  # str() refuses ints this long
        float("nan"),
        {"password": "DictPw1", "n": 1},
        _recursive_list(),
        _Text("token=SubclassTok1"),
        "\ud800 lone surrogate password=Surr0gate",
        object(),
        ValueError,
        KeyboardInterrupt(),
        Ellipsis,
        "\uffff\U0010ffff",
        "\\" * 101,
        "\u202eRTL override",
    ],
    ids=lambda value: type(value).__name__,
)
def test_never_raises(value: object) -> None:
    out = sanitize(value)
    assert_clean_line(out, 500)
    for secret in ("DictPw1", "SubclassTok1", "Surr0gate"):
        assert secret not in out
    assert sanitize(out) == out


def test_an_unprintable_object_gives_its_type_name() -> None:
    assert sanitize(_Unprintable()) == "_Unprintable"


# --- sanitize_code ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("InvalidAuthenticationToken", "invalidauthenticationtoken"),
        ("AADSTS7000215", "aadsts7000215"),
        ("HTTP 401 Unauthorized", "http_401_unauthorized"),
        ("graph.Throttled-429", "graph.throttled-429"),
        ("  --weird!!code__  ", "weird_code"),
        ("Ünïcode Ärger", "n_code_rger"),
        ("x" * 100, "x" * 64),
        ("a" * 63 + "!b", "a" * 63),
        (None, "error"),
        ("", "error"),
        ("   ", "error"),
        ("!!!", "error"),
        (b"Bad\x00Code", "badcode"),
        (401, "401"),
        (ValueError("password=hunter2"), "valueerror"),
        (TimeoutError, "timeouterror"),
        (JWT, "error"),
        ("token=abc123", "token"),
        (_Unprintable(), "unprintable"),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, str | bytes | int) else None,
)
def test_sanitize_code(code: object, expected: str) -> None:
    out = sanitize_code(code)
    assert out == expected
    assert len(out) <= 64
    assert sanitize_code(out) == out


def test_every_control_and_format_character_is_stripped() -> None:
    # Checks the module's hard-coded list against this Python's Unicode database.
    invisible = "".join(
        chr(cp)
        for cp in range(0x110000)
        if unicodedata.category(chr(cp)) in {"Cc", "Cf"} and not chr(cp).isspace()
    )
    assert sanitize(f"a{invisible}b", max_length=ROOMY) == "ab"


@pytest.mark.parametrize("odd", ["50", "abc", None, 2.7, float("inf")])
def test_an_odd_max_length_does_not_raise(odd: object) -> None:
    out = sanitize("password=hunter2 " + "word " * 200, max_length=odd)  # type: ignore[arg-type]
    assert "hunter2" not in out
    assert 0 < len(out) <= 500


# --- the fast paths find what the plain regexes find --------------------------

PAIR_PIECES = st.sampled_from(
    [
        "password",
        "Password",
        "apiKey",
        "client_secret",
        "code",
        "to\u212aen",  # KELVIN SIGN: (?i) reads it as "k", so it is part of a name
        "pa\u017f\u017fword",  # LATIN SMALL LETTER LONG S, the same
        "\u0130",
        "\u0131",
        "=",
        "==",
        "=>",
        ":",
        "://",
        " ",
        "\t",
        "\u3000",
        "\n",
        "\\",
        '"',
        "'",
        "-",
        "_",
        ".",
        "/",
        "(",
        ")",
        ";",
        "***",
        "…",
        "x",
        "Authorization",
        "AUTHOR\u0130ZATION",
        "Proxy-",
        "Cookie",
        "COO\u212aIE",
        "Set-",
        "Bearer",
        "request-id",
        "x-m\u017f-request-id",
        "Activity ID",
        "thumbprint",
        REQ_ID,
        "{" + REQ_ID + "}",
    ]
)


def _mark(match: re.Match[str]) -> str:
    return f"<{match.group(0)}>"


@settings(max_examples=1500, deadline=None, database=None)
@given(parts=st.lists(st.one_of(PAIR_PIECES, st.text(max_size=4)), max_size=16))
def test_rules_tried_from_their_anchors_find_what_the_regex_finds(
    parts: list[str],
) -> None:
    from operations import sanitize as module

    text = "".join(parts)
    pairs = [
        (module._QUOTED_PAIR_RE, module._redact_value, module._redact_quoted_pairs),
        (module._ASSIGN_PAIR_RE, module._redact_value, module._redact_assign_pairs),
        (module._COLON_PAIR_RE, module._redact_colon_value, module._redact_colon_pairs),
        (module._AUTH_HEADER_RE, module._redact_whole_value, module._redact_authorization_headers),
        (module._COOKIE_HEADER_RE, module._redact_whole_value, module._redact_cookie_headers),
    ]
    for pattern, replacement, fast in pairs:
        assert fast(text) == pattern.sub(replacement, text)
    ids = module._SUPPORT_ID_RE
    assert module._sub_at(ids, _mark, text, module._support_id_starts(text)) == ids.sub(_mark, text)


def test_caseless_letters_are_the_ones_the_regex_engine_folds() -> None:
    from operations import sanitize as module

    folds = re.compile("(?i)[a-z]")
    found = {
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if not ("a" <= char.lower() <= "z" and char.isascii()) and folds.fullmatch(char)
    }
    assert found == module._CASELESS_LETTERS


def test_str_split_splits_where_the_regex_whitespace_class_matches() -> None:
    # _collapse relies on it: " ".join(text.split()) for re.sub(r"\s+", " ", text).strip()
    space = re.compile(r"\s")
    differ = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if bool(space.fullmatch(chr(code))) != chr(code).isspace()
    ]
    assert differ == []


def test_support_id_labels_are_as_long_as_the_search_for_them_assumes() -> None:
    from re import _parser  # type: ignore[attr-defined]

    from operations import sanitize as module

    pattern = module._SUPPORT_ID_RE.pattern
    label = pattern[pattern.index("(?P<label>") + len("(?P<label>") : pattern.index(")[")]
    assert _parser.parse(label).getwidth() == module._LABEL_LENGTHS
    blank = re.compile(r"[^\S\n]")
    assert {
        chr(code) for code in range(sys.maxunicode + 1) if blank.fullmatch(chr(code))
    } == module._BLANKS


@pytest.mark.parametrize("label", ["REQUEST-\u0130D", "x-m\u017f-request-id", "Act\u0131vity ID"])
def test_a_label_with_a_letter_the_regex_folds_keeps_its_id_and_the_message(label: str) -> None:
    out = sanitize(f"{label}: {REQ_ID} GraphError: boom password=hunter2")
    assert out.startswith(("request-id: " + REQ_ID, "Activity ID: " + REQ_ID))
    assert out.endswith("GraphError: boom password=***")
