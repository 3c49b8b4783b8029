"""Open311 as existing client libraries see it, over HTTP to a live server: `civicbot`'s Open311Client (a
GeoReport v2 client with writes: services, definitions, POST, tokens, requests) and `georeport` (reads, in JSON
and in XML)."""

from __future__ import annotations

import pytest

from jiesu.services.users import create_open311_key
from tests.support import live_server


@pytest.fixture
def endpoint(app):
    with live_server(app) as base:
        yield base + "/open311/v2", create_open311_key(app, "client-library-test")


def civicbot_client(url: str):
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint

    endpoint = Endpoint(id="jiesu", name="jiesu", base_url=url, write=True)
    return Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))


def post(client, key: str, code: str, **fields):
    prepared = client.create_request(code, dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
                                     **fields)
    return prepared.response


def test_civicbot_posts_a_request_and_finds_it_by_token_and_id(endpoint):
    url, key = endpoint
    client = civicbot_client(url)
    assert "WY1" in [s["service_code"] for s in client.list_services()]
    assert client.get_service_definition("WY1")["service_code"] == "WY1"
    [answer] = post(client, key, "WY1", lat=39.99, lng=116.47, address_string="望京西园三区 3 号楼",
                    description="楼道垃圾一周没人清理", first_name="三", last_name="张", phone="13812345678")
    request_id, token = answer["service_request_id"], answer["token"]
    assert client.get_token(token)[0]["service_request_id"] == request_id
    found = client.get_request(request_id)
    assert found["status"] == "open" and found["service_code"] == "WY1" and "13812345678" not in str(found)
    assert request_id in [r["service_request_id"] for r in client.list_requests(service_code="WY1", status="open")]


def test_civicbot_gets_the_spec_error_for_a_bad_key(endpoint):
    from civicbot.http import HttpError

    url, _ = endpoint
    with pytest.raises(HttpError) as caught:
        post(civicbot_client(url), "not-a-key", "WY1", lat=39.99, lng=116.47, description="x")
    assert caught.value.args[0] == 403 or "403" in str(caught.value)


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_reads_services_and_requests(endpoint, output_format):
    from georeport import GeoReport

    url, key = endpoint
    [answer] = post(civicbot_client(url), key, "ZS1", lat=39.98, lng=116.48, description="夜间施工噪音")
    request_id = answer["service_request_id"]
    client = GeoReport(url, api_key=key, output_format=output_format)
    services = client.get_service_list()  # georeport unwraps the XML into the same list of dicts as JSON
    assert "ZS1" in [s["service_code"] for s in services]
    assert client.get_service_definition("ZS1")["service_code"] == "ZS1"
    one = client.get_service_request(request_id)
    assert one["service_request_id"] == request_id and one["status"] == "open"
    many = client.get_service_requests(service_code="ZS1")
    many = many if isinstance(many, list) else [many]  # one XML element comes back as a dict
    assert request_id in [r["service_request_id"] for r in many]
