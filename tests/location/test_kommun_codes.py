"""Skåne's kommuner carry SCB's official kommunkod (the key Lantmäteriet's address data names a kommun by)."""

from __future__ import annotations

from resources.geography import default_geography

# SCB, "Kommuner i kommunkodsordning" (län 12, Skåne): written out here, independent of geography.yaml.
OFFICIAL = {
    "1214": "Svalöv", "1230": "Staffanstorp", "1231": "Burlöv", "1233": "Vellinge", "1256": "Östra Göinge",
    "1257": "Örkelljunga", "1260": "Bjuv", "1261": "Kävlinge", "1262": "Lomma", "1263": "Svedala", "1264": "Skurup",
    "1265": "Sjöbo", "1266": "Hörby", "1267": "Höör", "1270": "Tomelilla", "1272": "Bromölla", "1273": "Osby",
    "1275": "Perstorp", "1276": "Klippan", "1277": "Åstorp", "1278": "Båstad", "1280": "Malmö", "1281": "Lund",
    "1282": "Landskrona", "1283": "Helsingborg", "1284": "Höganäs", "1285": "Eslöv", "1286": "Ystad",
    "1287": "Trelleborg", "1290": "Kristianstad", "1291": "Simrishamn", "1292": "Ängelholm", "1293": "Hässleholm",
}


def test_every_kommun_has_its_official_code() -> None:
    geography = default_geography()
    assert {k.code: k.name for k in geography.kommuner} == OFFICIAL
    for code, name in OFFICIAL.items():
        kommun = geography.kommun_by_code(code)
        assert kommun is not None and kommun.name == name


def test_a_code_outside_skane_or_unknown_finds_none() -> None:
    geography = default_geography()
    assert geography.kommun_by_code("0180") is None  # Stockholm
    assert geography.kommun_by_code("1299") is None
    assert geography.kommun_by_code("") is None
