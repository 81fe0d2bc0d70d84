import django_rq


def test_healthz_reports_database_and_redis(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_healthz_says_when_redis_is_unreachable_without_naming_it(client, db, monkeypatch):
    dead = {**django_rq.settings.QUEUES["default"], "URL": "redis://:hunter2@127.0.0.1:1/0"}
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", dead)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable"
    assert b"hunter2" not in response.content and b"127.0.0.1" not in response.content
