"""The Microsoft Graph source against synthetic HTTP answers (respx; never the network)."""

from __future__ import annotations

import json
import traceback
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from inventory.sources.base import TAXONOMY, ItemError, SourceError, SourcePolicy
from inventory.sources.graph import (
    BATCH_URL,
    CATALOG_SETTINGS,
    CATALOG_SETTINGS_URL,
    ENDPOINTS,
    GraphSource,
    _retry_after,
    platform_from_odata_type,
)
from tests.inventory.graph_fakes import (
    CATALOG,
    CLIENT,
    COMPLIANCE,
    DEVICE_CONFIGS,
    ENTRA_TENANT,
    GROUP_POLICY,
    REQUEST_ID,
    SECRET,
    TOKEN,
    TOKEN_ENDPOINT,
    graph_error,
    graph_page,
    route_batch,
    token_ok,
)
from tests.support.graph_fixtures import FIXTURES


class Recorder(list[float]):
    """A fake ``sleep`` / ``on_wait`` that records the seconds it was given."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


def _source(sleeps: Recorder, **kwargs: Any) -> GraphSource:
    kwargs.setdefault("policy_types", ("deviceConfiguration",))
    return GraphSource(ENTRA_TENANT, CLIENT, SECRET, http=httpx.Client(), sleep=sleeps, **kwargs)


def _config(n: int, odata: str = "windows10GeneralConfiguration") -> dict[str, Any]:
    return {
        "@odata.type": f"#microsoft.graph.{odata}",
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "displayName": f"Windows 10 - Policy {n}",
        "lastModifiedDateTime": "2025-01-06T08:00:00Z",
        "passwordRequired": True,
    }


def _aad_error(status: int, error: str, aadsts: int, text: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": error,
            "error_description": (
                f"AADSTS{aadsts}: {text}\r\nTrace ID: 0d1e2f3a\r\n"
                "Correlation ID: 9a8b7c6d\r\nTimestamp: 2025-01-06 08:00:00Z"
            ),
            "error_codes": [aadsts],
            "trace_id": "0d1e2f3a",
            "correlation_id": "9a8b7c6d",
        },
    )


def _collect(source: GraphSource, **kwargs: Any) -> list[SourcePolicy | ItemError]:
    return [item for page in source.pages(**kwargs) for item in page]


def _assert_clean(exc: BaseException) -> None:
    """Neither the secret nor the token may leak through any text of an error."""
    error = exc if isinstance(exc, SourceError) else None
    texts = [str(exc), repr(exc), *map(str, exc.args), "".join(traceback.format_exception(exc))]
    if error is not None:
        texts += [error.message, error.hint]
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text


# --- paging and mapping -------------------------------------------------------------------------


def test_pages_follow_next_link_across_three_pages(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    page2 = f"{DEVICE_CONFIGS}?$skiptoken=Mi0yMDI1LTAxLTA2"
    page3 = f"{DEVICE_CONFIGS}?$skiptoken=My0yMDI1LTAxLTA2%27x%27"
    first = router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_page([_config(1), _config(2)], page2)
    )
    second = router.get(url__eq=page2).mock(return_value=graph_page([_config(3)], page3))
    third = router.get(url__eq=page3).mock(return_value=graph_page([_config(4)]))

    pages = list(_source(sleeps).pages())

    assert [[p.external_id[-1] for p in page] for page in pages] == [["1", "2"], ["3"], ["4"]]
    assert first.call_count == second.call_count == third.call_count == 1
    assert third.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sleeps == []


def test_all_four_types_are_mapped_with_their_platform(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1)]))
    router.get(url__eq=COMPLIANCE).mock(
        return_value=graph_page(
            [{**_config(2, "iosCompliancePolicy"), "displayName": "iOS - Comp"}]
        )
    )
    catalog_item = {
        "id": "cat-1",
        "name": "macOS - FileVault",
        "platforms": "macOS",
        "settings": [{"id": "0", "settingInstance": {"settingDefinitionId": "x"}}],
    }
    router.get(url__eq=CATALOG).mock(return_value=graph_page([catalog_item]))
    gp_item = {"id": "gp-1", "displayName": "Windows 10 - OneDrive", "definitionValues": []}
    router.get(url__eq=GROUP_POLICY).mock(return_value=graph_page([gp_item]))

    items = _collect(_source(sleeps, policy_types=tuple(ENDPOINTS)))

    assert [(i.policy_type, i.display_name, getattr(i, "platform", "")) for i in items] == [
        ("deviceConfiguration", "Windows 10 - Policy 1", "windows10"),
        ("compliancePolicy", "iOS - Comp", "iOS"),
        ("settingsCatalog", "macOS - FileVault", "macOS"),
        ("groupPolicyConfiguration", "Windows 10 - OneDrive", "windows10"),
    ]
    assert isinstance(items[2], SourcePolicy)
    assert items[2].settings == catalog_item  # the raw body, untouched


def test_the_token_is_requested_once_and_reused(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    for url in ENDPOINTS.values():
        router.get(url__eq=url).mock(return_value=graph_page([]))

    _collect(_source(sleeps, policy_types=tuple(ENDPOINTS)))

    assert token_route.call_count == 1
    form = parse_qs(token_route.calls.last.request.content.decode())
    assert form.pop("client_info") == ["1"]  # msal's own field
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT],
        "client_secret": [SECRET],
        "scope": ["https://graph.microsoft.com/.default"],
    }


def test_the_token_is_renewed_shortly_before_it_expires(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    # msal counts a token within five minutes of expiry as expired: one that lives two
    # minutes is asked for again by every read, one that lives an hour is reused.
    token_route = router.post(url__eq=TOKEN_ENDPOINT).mock(
        side_effect=[
            httpx.Response(200, json={"access_token": TOKEN, "expires_in": "3600"}),
            httpx.Response(200, json={"access_token": "short.lived.token", "expires_in": 120}),
            httpx.Response(200, json={"access_token": TOKEN, "expires_in": 120}),
        ]
    )
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([]))
    source = _source(sleeps)

    _collect(source)
    _collect(source)
    assert token_route.call_count == 1
    source._drop_token()  # as a 401 would
    _collect(source)
    _collect(source)
    assert token_route.call_count == 3


def test_a_401_from_graph_renews_the_token_once(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[
            graph_error(401, "InvalidAuthenticationToken", "Access token has expired."),
            graph_page([_config(1)]),
        ]
    )

    assert len(_collect(_source(sleeps))) == 1
    assert token_route.call_count == 2


def test_a_page_of_settings_catalog_settings_is_completed(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    more = "https://graph.microsoft.com/beta/deviceManagement/configurationPolicies('cat-1')/settings?$skiptoken=25"
    cut_off = {
        "id": "cat-1",
        "name": "Windows - Defender",
        "platforms": "windows10",
        "settings": [{"id": "0"}],
        "settings@odata.nextLink": more,
    }
    without = {"id": "cat-2", "name": "Windows - Edge", "platforms": "windows10"}
    gone = {"id": "cat-3", "name": "Windows - Gone", "platforms": "windows10"}
    router.get(url__eq=CATALOG).mock(return_value=graph_page([cut_off, without, gone]))
    router.get(url__eq=more).mock(return_value=graph_page([{"id": "1"}]))
    batch = route_batch(router, {CATALOG_SETTINGS.format(id="cat-2"): graph_page([{"id": "0"}])})
    one_by_one = router.get(url__eq=CATALOG_SETTINGS_URL.format(id="cat-3")).mock(
        return_value=graph_error(404, "ResourceNotFound", "Not found")
    )

    items = _collect(_source(sleeps, policy_types=("settingsCatalog",)))

    assert isinstance(items[0], SourcePolicy)
    assert items[0].settings["settings"] == [{"id": "0"}, {"id": "1"}]
    assert "settings@odata.nextLink" not in items[0].settings
    assert isinstance(items[1], SourcePolicy)
    assert items[1].settings["settings"] == [{"id": "0"}]
    assert isinstance(items[2], ItemError)
    assert (items[2].external_id, items[2].code) == ("cat-3", "not_found")
    # cat-2 and cat-3 asked in one batch (cat-1 came with its settings); the batch's 404
    # for cat-3 is asked again on its own, with the source's retries and wording.
    (call,) = batch.calls
    assert [r["url"] for r in json.loads(call.request.content)["requests"]] == [
        CATALOG_SETTINGS.format(id="cat-2"), CATALOG_SETTINGS.format(id="cat-3"),
    ]  # fmt: skip
    assert one_by_one.call_count == 1


def _settings_of(items: list[SourcePolicy | ItemError]) -> list[Any]:
    assert all(isinstance(i, SourcePolicy) for i in items), items
    return [i.settings["settings"] for i in items if isinstance(i, SourcePolicy)]


def _catalog(router: respx.MockRouter, count: int) -> list[dict[str, Any]]:
    """``count`` settings-catalog policies listed on one page (their settings are routed apart)."""
    policies = [
        {"id": f"cat-{n}", "name": f"Policy {n}", "platforms": "windows10"} for n in range(count)
    ]
    router.get(url__eq=CATALOG).mock(return_value=graph_page(policies))
    return policies


def test_catalog_settings_are_read_twenty_policies_a_batch(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    policies = _catalog(router, 45)
    batch = route_batch(
        router,
        {CATALOG_SETTINGS.format(id=p["id"]): graph_page([{"id": p["id"]}]) for p in policies},
    )

    items = _collect(_source(sleeps, policy_types=("settingsCatalog",)))

    assert [len(json.loads(c.request.content)["requests"]) for c in batch.calls] == [20, 20, 5]
    assert _settings_of(items) == [[{"id": p["id"]}] for p in policies]
    assert sleeps == []


@pytest.mark.parametrize(
    "refusal",
    [graph_error(400, "BadRequest", "Invalid batch payload"), httpx.Response(200, text="<html>")],
)
def test_a_refused_or_unreadable_batch_falls_back_to_one_request_per_policy(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder, refusal: httpx.Response
) -> None:
    policies = _catalog(router, 2)
    router.post(url__eq=BATCH_URL).mock(return_value=refusal)
    singles = [
        router.get(url__eq=CATALOG_SETTINGS_URL.format(id=p["id"])).mock(
            return_value=graph_page([{"id": p["id"]}])
        )
        for p in policies
    ]

    items = _collect(_source(sleeps, policy_types=("settingsCatalog",)))

    assert [route.call_count for route in singles] == [1, 1]
    assert _settings_of(items) == [[{"id": p["id"]}] for p in policies]


def test_a_throttled_answer_inside_a_batch_is_asked_again_after_its_retry_after(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    _catalog(router, 2)
    throttled = graph_error(429, "TooManyRequests", "Slow down", **{"Retry-After": "9"})
    route_batch(
        router,
        {
            CATALOG_SETTINGS.format(id="cat-0"): graph_page([{"id": "a"}]),
            CATALOG_SETTINGS.format(id="cat-1"): throttled,
        },
    )
    again = router.get(url__eq=CATALOG_SETTINGS_URL.format(id="cat-1")).mock(
        return_value=graph_page([{"id": "b"}])
    )

    items = _collect(_source(sleeps, policy_types=("settingsCatalog",)))

    assert sleeps == [9.0]  # as the inner answer asked, before asking again
    assert again.call_count == 1
    assert _settings_of(items) == [[{"id": "a"}], [{"id": "b"}]]


def test_items_without_an_id_become_item_errors(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_page([{"displayName": "Broken"}, _config(2)])
    )

    items = _collect(_source(sleeps))

    assert isinstance(items[0], ItemError)
    assert items[0].code == "bad_response"
    assert isinstance(items[1], SourcePolicy)


def test_a_next_link_to_another_host_is_refused(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_page([_config(1)], "https://evil.example.com/steal?$skiptoken=1")
    )
    evil = router.get(host="evil.example.com")
    pages = _source(sleeps).pages()

    with pytest.raises(SourceError) as caught:
        next(pages)  # every list page is read before the first is yielded
    assert caught.value.code == "bad_response"
    assert evil.call_count == 0


@pytest.mark.parametrize(
    ("odata_type", "platform"),
    [
        ("#microsoft.graph.windows10GeneralConfiguration", "windows10"),
        ("#microsoft.graph.windowsUpdateForBusinessConfiguration", "windows10"),
        ("#microsoft.graph.iosCompliancePolicy", "iOS"),
        ("#microsoft.graph.iosGeneralDeviceConfiguration", "iOS"),
        ("#microsoft.graph.macOSCompliancePolicy", "macOS"),
        ("#microsoft.graph.androidWorkProfileCompliancePolicy", "android"),
        ("#microsoft.graph.aospDeviceOwnerDeviceConfiguration", "android"),
        ("#microsoft.graph.somethingNew", "unknown"),
        (None, "unknown"),
    ],
)
def test_platform_from_odata_type(odata_type: str | None, platform: str) -> None:
    assert platform_from_odata_type(odata_type) == platform


# --- throttling, outages, timeouts -------------------------------------------------------------


def test_429_honours_retry_after(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[
            graph_error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "7"}),
            graph_page([_config(1)]),
        ]
    )
    waits = Recorder()

    items = _collect(_source(sleeps), on_wait=waits)

    assert len(items) == 1
    assert sleeps == [7.0]
    assert waits == [7.0]


def test_429_without_retry_after_backs_off_exponentially(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    throttled = graph_error(429, "TooManyRequests", "Too many requests")
    router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[throttled, throttled, throttled, graph_page([_config(1)])]
    )

    assert len(_collect(_source(sleeps))) == 1
    assert sleeps == [2.0, 4.0, 8.0]


def test_backoff_is_capped_but_retry_after_is_waited_out_as_given(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[
            graph_error(503, "ServiceUnavailable", "busy", **{"Retry-After": "45"}),
            graph_error(503, "ServiceUnavailable", "busy"),
            graph_error(503, "ServiceUnavailable", "busy"),
            graph_page([_config(1)]),
        ]
    )
    waits: list[tuple[float, bool]] = []

    def on_wait(seconds: float, /, *, still: bool = False) -> None:
        waits.append((seconds, still))

    assert len(_collect(_source(sleeps, max_backoff=5.0), on_wait=on_wait)) == 1
    # Retry-After 45 s in full (never earlier), in slices that keep the run's heartbeat;
    # then 2**attempt capped at max_backoff.
    assert sleeps == [20.0, 20.0, 5.0, 4.0, 5.0]
    assert waits == [(45.0, False), (25.0, True), (5.0, True), (4.0, False), (5.0, False)]


def test_a_retry_after_beyond_the_ceiling_fails_at_once_instead_of_retrying_early(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    route = router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_error(429, "TooManyRequests", "slow down", **{"Retry-After": "600"})
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps, retry_after_ceiling=300.0))

    assert route.call_count == 1 and sleeps == []
    assert caught.value.code == "throttled"
    assert "asked to wait 600 s, more than the 300 s" in caught.value.message


def test_retry_after_as_an_http_date() -> None:
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})

    assert _retry_after(response) == 0.0
    assert _retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None


def test_repeated_429_beyond_max_retries_is_throttled(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    route = router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_error(
            429, "TooManyRequests", "Too many requests", **{"Retry-After": "1", "request-id": "r1"}
        )
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps, max_retries=2))

    assert caught.value.code == "throttled"
    assert route.call_count == 3
    assert sleeps == [1.0, 1.0]
    assert "request-id: r1" in caught.value.message
    _assert_clean(caught.value)


def test_a_500_on_list_page_two_fails_before_any_page_is_yielded(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    page2 = f"{DEVICE_CONFIGS}?$skiptoken=p2"
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1)], page2))
    failing = router.get(url__eq=page2).mock(
        return_value=graph_error(500, "InternalServerError", "An internal server error occurred")
    )
    pages = _source(sleeps, max_retries=3).pages()

    with pytest.raises(SourceError) as caught:
        next(pages)  # the list pages are all read (for the group names) before any is yielded

    assert caught.value.code == "graph_unavailable"
    assert failing.call_count == 4
    assert sleeps == [2.0, 4.0, 8.0]
    assert REQUEST_ID in caught.value.message
    _assert_clean(caught.value)


def test_timeouts_are_retried_then_reported(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    route = router.get(url__eq=DEVICE_CONFIGS).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps, max_retries=1, timeout=5.0))

    assert caught.value.code == "timeout"
    assert route.call_count == 2
    assert sleeps == [2.0]
    _assert_clean(caught.value)


def test_a_timeout_then_success_goes_on(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        side_effect=[httpx.ConnectTimeout("connect timed out"), graph_page([_config(1)])]
    )

    assert len(_collect(_source(sleeps))) == 1


def test_malformed_json_is_a_bad_response(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=httpx.Response(200, text="<html>oops", headers={"request-id": "r9"})
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    assert caught.value.code == "bad_response"
    assert "request-id: r9" in caught.value.message


# --- error mapping -----------------------------------------------------------------------------


def test_an_invalid_secret_is_auth_failed_without_the_secret(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    router.post(url__eq=TOKEN_ENDPOINT).mock(
        return_value=_aad_error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            f"the client secret value, not the client secret ID. Received: {SECRET}",
        )
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    error = caught.value
    assert error.code == "auth_failed"
    assert "AADSTS7000215" in error.message
    assert "9a8b7c6d" in error.message  # the correlation id, for support
    assert "secret ID" in error.hint
    _assert_clean(error)


def test_an_unknown_application_says_so_not_consent(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    text = "Application with identifier 'x' was not found in the directory 'Contoso'."
    router.post(url__eq=TOKEN_ENDPOINT).mock(
        return_value=_aad_error(400, "unauthorized_client", 700016, text)
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    assert caught.value.code == "auth_failed"
    assert caught.value.hint == "application not found: check the client id and the tenant."


def test_a_temporarily_unavailable_token_endpoint_is_retried(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    busy = httpx.Response(
        400, json={"error": "temporarily_unavailable", "error_description": "AADSTS90033: busy"}
    )
    token = router.post(url__eq=TOKEN_ENDPOINT).mock(side_effect=[busy, busy, token_ok()])
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=graph_page([_config(1)]))

    assert len(_collect(_source(sleeps))) == 1
    assert token.call_count == 3 and sleeps == [2.0, 4.0]


def test_intunes_nested_error_json_gives_its_words_and_activity_id(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    body = json.loads((FIXTURES / "errors" / "intune-nested-error.json").read_text())
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    message = caught.value.message
    assert "Activity ID: 13c105e8-27d7-40dc-9d66-87369338926f" in message
    assert "InternalError: An error has occurred" in message
    assert "_version" not in message and "manage.microsoft.com" not in message


@pytest.mark.parametrize(
    ("error", "aadsts", "text"),
    [
        ("invalid_grant", 65001, "The user or administrator has not consented to use the app."),
    ],
)
def test_missing_consent_is_reported(
    router: respx.MockRouter, sleeps: Recorder, error: str, aadsts: int, text: str
) -> None:
    router.post(url__eq=TOKEN_ENDPOINT).mock(return_value=_aad_error(400, error, aadsts, text))

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    assert caught.value.code == "consent_missing"
    assert "admin consent" in caught.value.hint
    _assert_clean(caught.value)


def test_an_unknown_tenant_is_auth_failed_with_a_tenant_hint(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    router.post(url__eq=TOKEN_ENDPOINT).mock(
        return_value=_aad_error(400, "invalid_request", 90002, "Tenant 'x' not found.")
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    assert caught.value.code == "auth_failed"
    assert "tenant id" in caught.value.hint


@pytest.mark.parametrize(
    ("response", "code", "hint_part"),
    [
        (
            graph_error(
                403, "Forbidden", "Application is not authorized to perform this operation."
            ),
            "permission_missing",
            "DeviceManagementConfiguration.Read.All",
        ),
        (
            graph_error(403, "Forbidden", "Request not applicable to target tenant."),
            "licence_missing",
            "Intune licence",
        ),
        (
            graph_error(400, "BadRequest", "Tenant is not licensed for Intune."),
            "licence_missing",
            "Intune licence",
        ),
        (graph_error(404, "ResourceNotFound", "Resource not found"), "not_found", "tenant id"),
        (graph_error(400, "BadRequest", "Invalid filter clause"), "bad_response", "request id"),
    ],
)
def test_graph_errors_are_mapped(
    router: respx.MockRouter,
    token_route: respx.Route,
    sleeps: Recorder,
    response: httpx.Response,
    code: str,
    hint_part: str,
) -> None:
    router.get(url__eq=DEVICE_CONFIGS).mock(return_value=response)

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    assert caught.value.code == code
    assert hint_part in caught.value.hint
    assert REQUEST_ID in caught.value.message
    assert sleeps == []
    _assert_clean(caught.value)


def test_the_secret_never_shows_in_repr_or_error_texts(
    router: respx.MockRouter, token_route: respx.Route, sleeps: Recorder
) -> None:
    source = _source(sleeps)
    # A hostile answer echoing the secret and the token back.
    router.get(url__eq=DEVICE_CONFIGS).mock(
        return_value=graph_error(500, "Boom", f"client_secret={SECRET} Bearer {TOKEN}")
    )

    with pytest.raises(SourceError) as caught:
        _collect(source)

    assert SECRET not in repr(source)
    assert "***" in repr(source)
    _assert_clean(caught.value)
    assert "[redacted]" in caught.value.message


def test_a_secret_echoed_where_the_message_is_cut_is_redacted_not_halved(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    prefix = "token request failed: invalid_client: AADSTS7000215: "
    padding = "x" * (385 - len(prefix))  # the secret straddles the 400-character cut
    router.post(url__eq=TOKEN_ENDPOINT).mock(
        return_value=_aad_error(401, "invalid_client", 7000215, f"{padding}{SECRET} tail")
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps))

    assert SECRET[:8] not in caught.value.message
    assert "[redacted]" in caught.value.message


def test_source_error_carries_code_message_and_default_hint() -> None:
    error = SourceError("timeout", "GET /x: no answer within 30 s")

    assert str(error) == error.message == "GET /x: no answer within 30 s"
    assert error.code == "timeout"
    assert error.hint == TAXONOMY["timeout"]
    assert SourceError("throttled", "m", hint="wait").hint == "wait"
    assert set(TAXONOMY) == {
        "consent_missing",
        "permission_missing",
        "licence_missing",
        "throttled",
        "not_found",
        "graph_unavailable",
        "timeout",
        "auth_failed",
        "bad_response",
    }


# --- national clouds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloud", "login", "graph"),
    [
        ("global", "login.microsoftonline.com", "graph.microsoft.com"),
        ("usgov_high", "login.microsoftonline.us", "graph.microsoft.us"),
        ("usgov_dod", "login.microsoftonline.us", "dod-graph.microsoft.us"),
        ("china", "login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
    ],
)
def test_a_national_cloud_picks_its_login_authority_and_graph_host(
    cloud: str, login: str, graph: str, router: respx.MockRouter, sleeps: Recorder
) -> None:
    token = router.post(url__eq=f"https://{login}/{ENTRA_TENANT}/oauth2/v2.0/token").mock(
        return_value=token_ok()
    )
    listing = f"https://{graph}/beta/deviceManagement/deviceConfigurations?$expand=assignments"
    router.get(url__eq=listing).mock(return_value=graph_page([_config(1)]))

    items = _collect(_source(sleeps, cloud=cloud))

    assert len(items) == 1 and token.call_count == 1
    form = parse_qs(token.calls.last.request.content.decode())
    assert form["scope"] == [f"https://{graph}/.default"]


def test_a_next_link_out_of_the_connections_cloud_is_refused(
    router: respx.MockRouter, sleeps: Recorder
) -> None:
    login = f"https://login.chinacloudapi.cn/{ENTRA_TENANT}/oauth2/v2.0/token"
    router.post(url__eq=login).mock(return_value=token_ok())
    listing = (
        "https://microsoftgraph.chinacloudapi.cn/beta/deviceManagement/deviceConfigurations"
        "?$expand=assignments"
    )
    # A link to the global Graph host: our China token must not be sent there.
    router.get(url__eq=listing).mock(
        return_value=graph_page([_config(1)], f"{DEVICE_CONFIGS}&$skiptoken=x")
    )

    with pytest.raises(SourceError) as caught:
        _collect(_source(sleeps, cloud="china"))

    assert caught.value.code == "bad_response"
    assert "graph.microsoft.com" in caught.value.message
