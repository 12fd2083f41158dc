"""The world map's data and the written reports around it: categories as of a date, the
shapes package, honest trend charts, dates for people, local files by name."""

from __future__ import annotations

import re
from datetime import date

import pytest

from monitor.core.overview import Cell, CountryNow, Dated, Figure, Mark, Stated
from monitor.edges.shapes import HEIGHT, WIDTH, world_shapes
from monitor.render.charts import share_chart
from monitor.render.templating import human_date, shown_source
from monitor.render.worldmap import last_day, world_map

SINCE = Dated("2015-03-06", "2015-03-06", False, True)


def now(slug: str, iso3: str, value: bool | None, status: str | None = None) -> CountryNow:
    cell = Cell("national_cirt", value, status, None, SINCE)
    figure = Figure(None, None, None, SINCE)
    return CountryNow(
        slug, slug.title(), iso3, SINCE, None, 1, {"national_cirt": cell}, figure, figure, ()
    )


SHAPES = {"IRQ": "M1,1L2,2L1,2Z", "TJK": "M3,3L4,4L3,4Z", "FRA": "M5,5L6,6L5,6Z"}


def test_categories_now_and_as_of_an_earlier_date():
    nows = [
        now("iraq", "IRQ", True),
        now("tajikistan", "TJK", False, "planned"),
        now("france", "FRA", True),
    ]
    marks = {
        "iraq": [
            Mark("2015-03-06", 1, (Stated("national_cirt", False),)),
            Mark("2016-02-10", 1, (Stated("national_cirt", True),)),
        ],
        "tajikistan": [Mark("2016-03-01", 1, (Stated("national_cirt", False, "planned"),))],
        "france": [
            Mark("2015-01-05", 1, ()),  # its first profile did not say
            Mark("2015-09-01", 1, (Stated("national_cirt", False, "draft"),)),
            Mark("2016-05-01", 1, (Stated("national_cirt", True),)),
        ],
    }
    latest = world_map(SHAPES, nows, marks, "national_cirt")
    assert {r.slug: r.category for r in latest.regions} == {
        "iraq": "yes",
        "tajikistan": "planned",
        "france": "yes",
    }
    assert latest.counts["none"] == 0 and latest.land == ()
    # what a written map's date control switches to, date by date (2015-12, 2016-12)
    assert {r.slug: r.past for r in latest.regions} == {
        "iraq": ("no", "yes"),
        "tajikistan": ("none", "planned"),
        "france": ("planned", "yes"),
    }
    then = world_map(SHAPES, nows, marks, "national_cirt", "2015-06")
    assert then.day == "2015-06-30"
    # Iraq's 2015 profile said it had no CIRT; France's first did not say; Tajikistan was
    # not covered yet
    assert {(r.slug, r.category, r.word) for r in then.regions} == {
        ("iraq", "no", "no"),
        ("france", "unknown", "unknown"),
    }
    assert then.counts["none"] == 1
    assert then.dates == ("2015-12", "2016-12")
    assert "as of 2015-06" in then.title and "1 no, 1 unknown" in then.title
    # an earlier status word is kept: France's draft, as of the end of 2015
    late_2015 = world_map(SHAPES, nows, marks, "national_cirt", "2015-12")
    assert {r.slug: (r.category, r.word) for r in late_2015.regions}["france"] == (
        "planned",
        "no (draft)",
    )


def test_last_day_of_a_month_a_year_and_a_day():
    assert last_day("2016-02") == "2016-02-29"
    assert last_day("2015-12") == "2015-12-31"
    assert last_day("2015") == "2015-12-31"
    assert last_day("2015-06-03") == "2015-06-03"
    with pytest.raises(ValueError, match="is not a date like 2015, 2015-03 or 2015-03-06"):
        last_day("June")


def test_shapes_come_from_the_package_projected_and_small():
    shapes = world_shapes()
    assert {"IRQ", "TJK", "FRA", "BRA", "AUS", "USA"} <= set(shapes)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shapes["IRQ"])]
    xs, ys = numbers[0::2], numbers[1::2]
    assert all(0 <= x <= WIDTH for x in xs) and all(0 <= y <= HEIGHT for y in ys)
    # Iraq lies east of the middle of the map and north of the equator
    assert min(xs) > WIDTH / 2 and max(ys) < HEIGHT / 2
    assert sum(len(d) for d in shapes.values()) < 200_000  # the page weight stays reasonable


def test_a_country_too_small_to_draw_is_a_dot_where_it_lies():
    from monitor.edges.shapes import _project

    shapes = world_shapes()
    # ITU members whose outlines vanish at this scale are still on the map
    for code, (lon, lat) in {
        "SGP": (103.8, 1.35),  # Singapore
        "MCO": (7.42, 43.74),  # Monaco
        "TUV": (179.2, -8.5),  # Tuvalu
        "MDV": (73.5, 3.2),  # the Maldives (its atolls span 7 degrees of latitude)
        "VAT": (12.45, 41.9),  # the Holy See
    }.items():
        d = shapes[code]
        start = re.match(r"M(-?[\d.]+),(-?[\d.]+)a([\d.]+),", d)
        assert start, (code, d[:40])
        x, y, r = (float(n) for n in start.groups())
        expected_x, expected_y = _project(lon, lat)
        assert abs(x + r - expected_x) < 6 and abs(y - expected_y) < 6, code
    # a large country is drawn as its outline, never as a dot
    assert all(" 0 1,0 " not in shapes[code] for code in ("AUS", "BRA", "FRA", "IDN"))


def test_share_chart_is_a_share_of_the_countries_covered():
    # two countries enter the data without a CIRT; then one gains it
    chart = share_chart([("2014-01-01", 0, 1), ("2015-01-01", 0, 2), ("2016-01-01", 1, 2)], "CIRT")
    assert chart is not None
    assert chart.end == "50 %" and chart.ceiling == "100 %"
    assert chart.label == "CIRT: 50 % (1 of 2) on 2016-01-01, from 0 % (0 of 1) on 2014-01-01"


def test_dates_for_people_and_files_by_name():
    assert str(human_date("2015-03-06")) == '<time datetime="2015-03-06">6 March 2015</time>'
    assert str(human_date(date(2016, 2, 10))) == (
        '<time datetime="2016-02-10">10 February 2016</time>'
    )
    assert shown_source("/tmp/x1/Iraq.pdf") == "Iraq.pdf"
    assert shown_source("C:\\Users\\me\\Iraq.pdf") == "Iraq.pdf"
    assert shown_source("https://www.itu.int/a/Iraq.pdf") == "https://www.itu.int/a/Iraq.pdf"


def test_written_reports_show_no_local_path_and_lead_home(tmp_path):
    from xml.etree import ElementTree

    from tests.helpers import IRAQ, IRAQ_LATER, import_files, run_cli, write_config

    assert str(tmp_path).startswith("/tmp/")
    write_config(tmp_path)
    import_files(tmp_path, ("Iraq-2015.txt", IRAQ), ("Iraq-2016.txt", IRAQ_LATER))
    ran = run_cli("report", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    reports = tmp_path / "reports"
    pages = [p for p in reports.rglob("*") if p.suffix in (".html", ".svg", ".atom")]
    assert {"index.html", "overview.html", "map.html", "map-national_cirt.svg"} <= {
        p.name for p in pages
    }
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "/tmp/" not in text, page.name
        if page.suffix == ".html":
            assert re.search(r'<a href="(\.\./)?index\.html">', text), page.name
    country = (reports / "countries" / "iraq.html").read_text(encoding="utf-8")
    assert "Source document: Iraq-2016.txt." in country  # the file by its name
    svg = ElementTree.parse(reports / "map-national_cirt.svg").getroot()
    drawn = {
        p.get("data-country"): p.get("fill")
        for p in svg.iter("{http://www.w3.org/2000/svg}path")
        if p.get("data-country")
    }
    assert drawn == {"iraq": "#1a7f37"}
    assert (reports / "map-national_cirt.svg").stat().st_size < 250_000


def test_shapes_are_kept_between_runs_and_remade_when_damaged(tmp_path):
    cache = tmp_path / ".cache" / "shapes.json"
    made = world_shapes(cache)
    assert cache.is_file() and world_shapes(cache) == made
    cache.write_text('{"key": "another version", "shapes": {"IRQ": "M0,0Z"}}')
    assert world_shapes(cache) == made  # another version's file is not used
    cache.write_text("{not json")
    assert world_shapes(cache) == made
    assert world_shapes(cache)["IRQ"] == made["IRQ"]
