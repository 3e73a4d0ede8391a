"""/hulp/<gemeente> over real HTTP: names and codes, local first, walk-in first, a kind 404."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from aiohttp.test_utils import TestClient


class Outline(HTMLParser):
    """Headings and entry names in document order, and every resource the page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.loads: list[str] = []
        self._tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._tag = tag
            self.headings.append((tag, ""))
        if tag in ("link", "script", "img", "iframe") and (a.get("href") or a.get("src")):
            self.loads.append(str(a.get("href") or a.get("src")))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._tag:
            self._tag = None

    def handle_data(self, data: str) -> None:
        if self._tag:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, (text + data).strip())


async def outline(site: TestClient, path: str) -> tuple[int, str, Outline]:
    response = await site.get(path)
    html = await response.text()
    parsed = Outline()
    parsed.feed(html)
    return response.status, html, parsed


async def test_a_name_an_alias_and_a_cbs_code_give_the_same_page(site: TestClient) -> None:
    pages = [await outline(site, p) for p in ("/hulp/den-haag", "/hulp/GM0518", "/hulp/0518")]
    pages.append(await outline(site, "/hulp/s-Gravenhage"))
    assert {status for status, _h, _o in pages} == {200}
    titles = {o.headings[0] for _s, _h, o in pages}
    assert titles == {("h1", "Hulp bij geldzorgen in Den Haag")}
    assert len({tuple(o.headings) for _s, _h, o in pages}) == 1


async def test_den_haag_lists_help_by_problem_with_a_step_for_today(site: TestClient) -> None:
    status, html, page = await outline(site, "/hulp/den-haag")
    assert status == 200
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert h2[:3] == ["Direct hulp nodig", "Zonder afspraak langs", "Hulp bij alle geldzorgen"]
    # the helpdesk has no number of its own: shown with the municipality's general number
    block = html.split("Helpdesk Geldzaken (gemeente Den Haag)", 1)[1].split("</li>\n</ul>")[0]
    assert "Bel de gemeente en vraag naar deze hulp" in block and 'href="tel:14070"' in block
    assert 'href="tel:08002000"' in html  # Veilig Thuis
    assert "voedselbankennederland.nl/ik-zoek-hulp/voedselbank-in-de-buurt" in html
    assert "Sterk uit Armoede" not in html  # for professionals: never offered
    assert "nog niet gecontroleerd" in html  # nothing unchecked shown as fact
    assert 'href="/chat"' in html  # the chat one click away
    assert "Amsterdam" not in html


async def test_walk_in_places_come_first_with_their_hours(site: TestClient) -> None:
    status, html, page = await outline(site, "/hulp/delft")
    assert status == 200
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert h2.index("Zonder afspraak langs") < h2.index("Hulp bij alle geldzorgen")
    walk_in = html.split('id="s-walk-in"', 1)[1].split("</section>", 1)[0]
    assert "Loket Geldzaken voor Elkaar (Delft)" in walk_in
    assert "elke woensdag van 14.00 tot 16.00 uur, Van Bleyswijckstraat 91, Delft" in walk_in
    tiers = re.findall(r'<span class="where">\((.*?)\)</span>', html.split('id="s-general"')[1])
    assert tiers == sorted(tiers, key=lambda w: 0 if w == "in Delft" else 1)


async def test_a_municipality_without_local_entries_still_gets_concrete_steps(
    site: TestClient,
) -> None:
    status, html, page = await outline(site, "/hulp/almere")
    assert status == 200 and ("h1", "Hulp bij geldzorgen in Almere") in page.headings
    assert "We kennen in Almere nog geen plek" in html
    assert 'href="tel:08008115"' in html  # Geldfit
    assert "(in Almere)" not in html


async def test_the_page_loads_nothing_from_elsewhere_and_sets_no_cookie(site: TestClient) -> None:
    response = await site.get("/hulp/emmen")
    html = await response.text()
    parsed = Outline()
    parsed.feed(html)
    assert parsed.loads and all(src.startswith("/hulp/static/") for src in parsed.loads)
    assert "<script" not in html and "Set-Cookie" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp
    css = await site.get(parsed.loads[0])
    assert css.status == 200 and "@media print" in await css.text()


async def test_an_unknown_place_gets_a_kind_404_with_a_way_on(site: TestClient) -> None:
    status, html, page = await outline(site, "/hulp/atlantis")
    assert status == 404
    assert page.headings[0] == ("h1", "Deze gemeente kennen we niet")
    assert 'name="gemeente"' in html and 'href="/chat"' in html
    assert "&#34;atlantis&#34;" in html or "&quot;atlantis&quot;" in html or '"atlantis"' in html
    evil = await site.get("/hulp/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert evil.status == 404 and "<script>" not in await evil.text()


async def test_the_search_form_takes_a_postcode_or_a_name(site: TestClient) -> None:
    moved = await site.get("/hulp/", params={"gemeente": "7811 AB"}, allow_redirects=False)
    assert moved.status == 303 and moved.headers["Location"] == "/hulp/emmen"
    moved = await site.get("/hulp/", params={"gemeente": "Weesp"}, allow_redirects=False)
    assert moved.headers["Location"] == "/hulp/amsterdam"  # merged into Amsterdam in 2022
    form = await site.get("/hulp/")
    assert form.status == 200 and 'action="/hulp/"' in await form.text()
