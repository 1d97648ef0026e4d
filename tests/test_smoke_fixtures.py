"""The real servers start and answer: if these fail, every store and remediation test would."""

import psycopg
import redis


def test_postgres_server_answers(postgres_url: str) -> None:
    with psycopg.connect(postgres_url.replace("+psycopg", "")) as conn:
        assert conn.execute("select 1 + 1").fetchone() == (2,)


def test_redis_server_answers(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set("k", "v")
    assert client.get("k") == b"v"
