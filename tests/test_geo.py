"""GeoIP lookups on a real MaxMind-format database: the GeoLite2-City data
shipped by the maxminddb-geolite2 package (built 2018-07-03)."""

from __future__ import annotations

from pathlib import Path

import pytest

from playlog.config import load_settings
from playlog.enrich import Enricher
from playlog.enrich.geo import EMBEDDED, DatabaseChoice, GeoLookup, locate_database
from playlog.errors import PlaylogError


@pytest.fixture(scope="module")
def embedded_path() -> Path:
    return locate_database(None).path


@pytest.fixture(scope="module")
def geo(embedded_path):
    with GeoLookup(DatabaseChoice(embedded_path, EMBEDDED)) as lookup:
        yield lookup


def test_known_addresses(geo):
    country, region, city, lat, lon = geo.lookup("81.2.69.160")
    assert (country, region, city) == ("GB", "England", "Willesden")
    assert lat == pytest.approx(51.5333) and lon == pytest.approx(-0.2333)
    assert geo.lookup("193.0.6.139")[:3] == ("NL", "North Holland", "Amsterdam")
    assert geo.lookup("8.8.8.8")[0] == "US"


def test_ipv6(geo):
    assert geo.lookup("2a00:1450:4001:80b::200e")[:3] == ("DE", "Hesse", "Frankfurt am Main")
    assert geo.lookup("2001:4860:4860::8888")[0] == "US"


@pytest.mark.parametrize(
    "ip",
    [
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "127.0.0.1",
        "169.254.1.1",
        "192.0.2.7",
        "198.51.100.7",
        "203.0.113.9",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "2001:db8::1",
    ],
)
def test_private_and_reserved_ranges_have_no_location(geo, ip):
    assert geo.lookup(ip) == (None, None, None, None, None)


@pytest.mark.parametrize(
    "ip",
    ["", None, "not-an-ip", "999.1.1.1", "1.2.3", "16843009", "01.02.03.04", "::g", "localhost"],
)
def test_invalid_addresses_are_null(geo, ip):
    assert geo.lookup(ip) == (None, None, None, None, None)


def test_info_reports_the_embedded_database_as_old(geo):
    info = geo.info()
    assert info.database_type == "GeoLite2-City"
    assert info.build_date.startswith("2018-07-03")
    assert info.embedded and info.age_days > 365


def test_discovery_order(tmp_path, monkeypatch, embedded_path):
    assert locate_database(load_settings()).origin == EMBEDDED
    from_config = tmp_path / "config.mmdb"
    (tmp_path / "config.toml").write_text(f'geoip_db = "{from_config}"\n')
    monkeypatch.setenv("PLAYLOG_CONFIG", str(tmp_path / "config.toml"))
    choice = locate_database(load_settings())
    assert choice.path == from_config and choice.origin.startswith("geoip_db in ")
    monkeypatch.setenv("PLAYLOG_GEOIP_DB", str(tmp_path / "env.mmdb"))
    choice = locate_database(load_settings())
    assert (choice.path, choice.origin) == (tmp_path / "env.mmdb", "PLAYLOG_GEOIP_DB")
    choice = locate_database(load_settings(), tmp_path / "flag.mmdb")
    assert (choice.path, choice.origin) == (tmp_path / "flag.mmdb", "--geoip-db")


def test_missing_database_is_one_line_naming_path_and_option(tmp_path):
    missing = tmp_path / "nope.mmdb"
    with pytest.raises(PlaylogError) as caught:
        Enricher.from_settings(load_settings(), geoip_db=missing)
    message = str(caught.value)
    assert str(missing) in message and "--geoip-db" in message and "not found" in message
    assert "\n" not in message


def test_corrupt_database_is_one_line(tmp_path, monkeypatch):
    corrupt = tmp_path / "corrupt.mmdb"
    corrupt.write_bytes(b"this is not a MaxMind database" * 100)
    monkeypatch.setenv("PLAYLOG_GEOIP_DB", str(corrupt))
    with pytest.raises(PlaylogError) as caught:
        Enricher.from_settings(load_settings())
    message = str(caught.value)
    assert str(corrupt) in message and "PLAYLOG_GEOIP_DB" in message
    assert "not a usable MaxMind database" in message and "\n" not in message


def test_truncated_database_is_an_error(tmp_path, embedded_path):
    truncated = tmp_path / "truncated.mmdb"
    truncated.write_bytes(embedded_path.read_bytes()[:4096])
    with pytest.raises(PlaylogError, match="truncated.mmdb"):
        GeoLookup(DatabaseChoice(truncated, "--geoip-db"))


def test_geoip_off_leaves_geo_columns_null():
    import polars as pl

    frame = pl.DataFrame({"client_ip": ["81.2.69.160"]})
    out = Enricher.from_settings(load_settings(), geoip=False).enrich(frame)
    assert out.select("country", "city", "latitude").row(0) == (None, None, None)


def test_lookup_many_matches_single_lookups(geo):
    ips = [
        "81.2.69.160",
        "81.2.69.161",
        "8.8.8.8",
        "8.8.4.4",
        "10.0.0.1",
        "10.0.0.2",
        "2a00:1450:4001:80b::200e",
        "193.0.6.139",
        None,
        "",
        "bad",
        "1.2.3",
        "81.2.69.160",
        "255.255.255.255",
        "0.0.0.0",
        "194.57.0.1",
        "130.237.0.1",
        "130.237.0.2",
    ]
    assert geo.lookup_many(ips) == [geo.lookup(ip) for ip in ips]


def write_mmdb(path: Path, networks: dict[str, dict], *, ip_version: int = 6, kind: str = "City"):
    """A tiny MaxMind-format database written with mmdb-writer."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(
        ip_version=ip_version, database_type=f"Test-{kind}", ipv4_compatible=ip_version == 6
    )
    for network, record in networks.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


CITY = {
    "country": {"iso_code": "FR", "names": {"en": "France", "fr": "France"}},
    "subdivisions": [{"iso_code": "IDF", "names": {"en": "Île-de-France"}}],
    "city": {"names": {"en": "Paris", "de": "Paris"}},
    "location": {"latitude": 48.8566, "longitude": 2.3522},
}


def test_a_city_database_written_here(tmp_path):
    path = write_mmdb(
        tmp_path / "city.mmdb",
        {"198.18.0.0/16": CITY, "2001:db8:1234::/48": {"country": {"iso_code": "JP"}}},
    )
    with GeoLookup(DatabaseChoice(path, "--geoip-db")) as lookup:
        assert lookup.lookup("198.18.7.9") == ("FR", "Île-de-France", "Paris", 48.8566, 2.3522)
        assert lookup.lookup("2001:db8:1234:5::1") == ("JP", None, None, None, None)
        assert lookup.lookup("198.19.0.1") == (None, None, None, None, None)
        assert lookup.lookup_many(["198.18.0.1", "198.18.255.255", "198.19.0.0"]) == [
            ("FR", "Île-de-France", "Paris", 48.8566, 2.3522),
            ("FR", "Île-de-France", "Paris", 48.8566, 2.3522),
            (None, None, None, None, None),
        ]
        info = lookup.info()
    assert info.database_type == "Test-City" and not info.embedded and info.age_days == 0


def test_a_country_database_leaves_city_fields_null(tmp_path):
    path = write_mmdb(
        tmp_path / "country.mmdb",
        {"198.18.0.0/15": {"country": {"iso_code": "DE"}}},
        ip_version=4,
        kind="Country",
    )
    with GeoLookup(DatabaseChoice(path, "--geoip-db")) as lookup:
        assert lookup.lookup("198.19.1.1") == ("DE", None, None, None, None)
        assert lookup.lookup("2001:db8::1") == (None, None, None, None, None)  # IPv4-only


def test_standard_locations_come_before_the_embedded_database(tmp_path, monkeypatch):
    from playlog.enrich import geo as geo_module

    empty, filled = tmp_path / "empty", tmp_path / "GeoIP"
    empty.mkdir()
    filled.mkdir()
    write_mmdb(filled / "GeoLite2-Country.mmdb", {"198.18.0.0/15": {"country": {"iso_code": "DE"}}})
    write_mmdb(filled / "GeoLite2-City.mmdb", {"198.18.0.0/15": CITY})
    monkeypatch.setattr(geo_module, "STANDARD_DIRS", (empty, filled))
    choice = locate_database(load_settings())
    assert (choice.path, choice.origin) == (filled / "GeoLite2-City.mmdb", "standard location")
