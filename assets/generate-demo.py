#!/usr/bin/env python3
"""Generates the demo matter's documents (all invented; no real people or companies).

Run from assets/: python3 generate-demo.py (writes into demo/). The outputs are committed, so this only needs
running again to change them. Standard library only.
"""
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
import os
import zlib

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo"))


def pdf(pages, title):
    """A small valid PDF: one Helvetica text block per page, with an Info title."""
    objs = []
    def add(body):
        objs.append(body)
        return len(objs)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    page_ids = []
    pages_id = len(objs) + 2 * len(pages) + 1
    for lines in pages:
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "16 TL"]
        for i, line in enumerate(lines):
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            if i == 0:
                ops += ["/F1 18 Tf", f"({esc}) Tj", "/F1 12 Tf", "T*", "T*"]
            else:
                ops += [f"({esc}) Tj", "T*"]
        ops.append("ET")
        data = zlib.compress("\n".join(ops).encode("latin-1"))
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    assert add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % p for p in page_ids) + b"] /Count %d >>" % len(page_ids)) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    info = add(b"<< /Title (" + title.encode("latin-1") + b") /Producer (Exhibit demo generator) >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, info, xref)
    return bytes(out)


supply = pdf([
    ["Supply Agreement - Draft 3",
     "Between Northwind Gas Storage LLC and Harbor Power Co.",
     "1. Term. This agreement runs from 1 June 2001 to 31 May 2003.",
     "2. Price. The price cap is $4.25 per MMBtu, reviewed quarterly.",
     "3. Volumes. Up to 40,000 MMBtu per day from the Cedar Creek storage field.",
     "4. Confidentiality. The parties keep the terms of this agreement confidential."],
    ["Schedule A - Delivery points",
     "Cedar Creek interconnect: 25,000 MMBtu/day.",
     "Harbor plant gate: 15,000 MMBtu/day.",
     "Any curtailment is shared pro rata between delivery points.",
     "Signed for Northwind: (draft - unsigned)"],
], "Supply Agreement Draft 3")
open("supply-agreement-draft3.pdf", "wb").write(supply)

memo = """MEMORANDUM - PRIVILEGED AND CONFIDENTIAL
Attorney-client communication

To:      Dana Whitfield, General Counsel
From:    Sam Okafor, Trading Desk
Date:    18 May 2001
Re:      Price cap in the Harbor Power supply agreement

Dana,

Before we send draft 3 to Harbor Power, please look at the price cap in section 2.
Trading expects spot gas prices above $5 this summer, so a cap of $4.25 per MMBtu
could cost us money on every delivery from Cedar Creek storage.

Can we add a reopener if the Henry Hub index stays above the cap for 30 days?

Sam
"""
open("memo-price-cap.txt", "w").write(memo)


def mail(frm, to, subject, when, text, html=None, attachments=(), cc=()):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = frm, ", ".join(to), subject
    if cc:
        m["Cc"] = ", ".join(cc)
    m["Date"] = format_datetime(when)
    m["Message-ID"] = f"<{zlib.crc32(subject.encode())}@northwind.example>"
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(m)


t = lambda d, h: datetime(2001, 5, d, h, 0, tzinfo=timezone.utc)
open("01-draft-agreement.eml", "wb").write(mail(
    "Sam Okafor <sam.okafor@northwind.example>", ["Lee Marsh <lee.marsh@harborpower.example>"],
    "Supply agreement draft 3", t(21, 15),
    "Lee,\n\nAttached is draft 3 of the supply agreement. The price cap is in section 2 and the\n"
    "delivery points are in Schedule A. Let me know about the Cedar Creek volumes.\n\nSam\n",
    html="<p>Lee,</p><p>Attached is <b>draft 3</b> of the supply agreement. The <i>price cap</i> is in "
         "section 2 and the delivery points are in Schedule A. Let me know about the Cedar Creek volumes.</p>"
         "<p>Sam<br><span style='color:#777'>Northwind Gas Storage</span></p>",
    attachments=[("supply-agreement-draft3.pdf", supply, "application/pdf")]))
open("02-re-price-cap.eml", "wb").write(mail(
    "Lee Marsh <lee.marsh@harborpower.example>", ["Sam Okafor <sam.okafor@northwind.example>"],
    "RE: Supply agreement draft 3", t(22, 9),
    "Sam,\n\nThe price cap works for us, but we need the storage volumes confirmed before signing.\n"
    "Our notes from the call are attached.\n\nLee\n\n> Attached is draft 3 of the supply agreement.\n",
    attachments=[("call-notes.txt", b"Call notes 22 May 2001\n- Harbor accepts the $4.25 price cap\n"
                  b"- Cedar Creek storage volumes to be confirmed by Northwind\n- Next call: 29 May\n", "text/plain")],
    cc=["Dana Whitfield <dana.whitfield@northwind.example>"]))
open("03-storage-report.eml", "wb").write(mail(
    "Storage Operations <ops@northwind.example>", ["Sam Okafor <sam.okafor@northwind.example>"],
    "Cedar Creek storage weekly report", t(25, 7),
    "Cedar Creek storage field, week ending 25 May 2001:\n\nWorking gas: 18.2 Bcf (71% full)\n"
    "Injections: 410,000 MMBtu/day average\nWithdrawals: none\n\nNo maintenance planned before July.\n"))
