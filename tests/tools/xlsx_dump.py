#!/usr/bin/env python3
"""Print the cells of an XLSX workbook as JSON, for tests.

    xlsx_dump.py FILE.xlsx

Output: {"sheet name": [[cell, ...], ...], ...}, sheets in workbook order,
row i of the list being spreadsheet row i + 1 (rows without cells are []),
cell j being column j (missing cells padded with null). A cell keeps its
type in its JSON type:

    numeric cell        number
    string cell         string (shared, inline or formula string)
    boolean cell        true / false
    empty or blank      null
    error cell          {"error": "#N/A"}
    formula             {"formula": "SUM(A1:A2)", "value": <cached value>}

Standard library only (zipfile, xml.etree), so that the test suite does
not depend on a spreadsheet package.
"""
import json
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
M = "{%s}" % NS_MAIN

# OOXML writes characters XML cannot carry as _xHHHH_.
ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text):
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def string_item(si):
    """Text of a <si> or <is>: plain <t>, or the <t> of each rich run."""
    if si is None:
        return ""
    # Plain text is <t>; rich text is runs <r><t>; phonetic hints (<rPh>)
    # are annotations, not text.
    parts = [t.text or "" for t in si.findall(M + "t")]
    parts += [t.text or "" for t in si.findall(M + "r/" + M + "t")]
    return unescape("".join(parts))


def column_index(ref):
    col = 0
    for ch in ref:
        if not ch.isalpha():
            break
        col = col * 26 + (ord(ch.upper()) - ord("A") + 1)
    return col - 1


def row_index(ref):
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits) - 1


def number(text):
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return float(text)


def cell_value(c, shared):
    t = c.get("t", "n")
    v = c.find(M + "v")
    text = v.text if v is not None and v.text is not None else None
    if t == "inlineStr":
        value = string_item(c.find(M + "is"))
    elif text is None:
        value = None
    elif t == "s":
        value = shared[int(text)]
    elif t == "str":
        value = unescape(text)
    elif t == "b":
        value = text.strip() == "1"
    elif t == "e":
        value = {"error": text}
    else:
        value = number(text)
    f = c.find(M + "f")
    if f is not None:
        return {"formula": f.text or "", "value": value}
    return value


def sheet_rows(xml, shared):
    rows = []
    next_row = 0
    for row in ET.fromstring(xml).iter(M + "row"):
        r = int(row.get("r")) - 1 if row.get("r") else next_row
        next_row = r + 1
        while len(rows) <= r:
            rows.append([])
        cells = rows[r]
        next_col = 0
        for c in row.findall(M + "c"):
            ref = c.get("r")
            if ref:
                if row_index(ref) != r:
                    raise ValueError("cell %s outside its row %d" % (ref, r + 1))
                col = column_index(ref)
            else:
                col = next_col
            next_col = col + 1
            while len(cells) <= col:
                cells.append(None)
            cells[col] = cell_value(c, shared)
    return rows


def dump(path):
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            sst = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = [string_item(si) for si in sst.findall(M + "si")]
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {}
        for rel in rels.findall("{%s}Relationship" % NS_PKG_REL):
            target = rel.get("Target")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = target
        workbook = ET.fromstring(z.read("xl/workbook.xml"))
        out = {}
        for sheet in workbook.iter(M + "sheet"):
            part = targets[sheet.get("{%s}id" % NS_REL)]
            out[sheet.get("name")] = sheet_rows(z.read(part), shared)
        return out


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: xlsx_dump.py FILE.xlsx\n")
        return 2
    try:
        book = dump(argv[1])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ET.ParseError) as e:
        sys.stderr.write("xlsx_dump.py: %s: %s\n" % (argv[1], e))
        return 1
    sys.stdout.write(json.dumps(book, ensure_ascii=False, allow_nan=False))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
