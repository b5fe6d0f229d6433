"""The oversight timeline reads as a list of events: a summary each, the payload one click away."""

from html import unescape as html_unescape

import pytest


@pytest.mark.django_db
def test_the_timeline_shows_each_event_as_a_summary_with_its_payload_one_click_away(
    client, authorised, oversight_user
):
    from oversight.models import LedgerEntry

    issued = LedgerEntry.objects.filter(action="wad.issued").get()
    client.force_login(oversight_user)
    html = client.get("/oversight/", {"action": "wad.issued"}).content.decode()
    row = html[html.index("<tbody") : html.index("</tbody>")]
    summary = row[row.index("wa-payload-summary") : row.index("</ul>")]
    assert "reason</span>: authorised" in summary and "version</span>: 1" in summary
    assert issued.data["sha256"] not in summary, "a long hash is shortened in the summary"
    details = html_unescape(row[row.index("<details") : row.index("</details>")])
    assert f'\n  "sha256": "{issued.data["sha256"]}",\n' in details  # all of it, indented
    assert "wa-mono" not in row, "no payload squeezed a few characters a line"
