"""Property: whatever bytes an extract holds and however it is declared, ingest either
succeeds or raises a LinkreadyError with exit code 2 naming the file, never another
exception; the extract is untouched, no scratch folder is left, and no message quotes
a value from the file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from linkready.errors import LinkreadyError
from linkready.ingest import ingest_project
from linkready.outdir import TMP_PREFIX
from linkready.project import load_project
from lr_extracts import write_project

HEADER = b"ID,NHS,FORENAME,SURNAME,DOB\n"
COLUMNS = {"record_id": "ID", "nhs_number": "NHS", "given_name": "FORENAME",
           "family_name": "SURNAME", "dob": "DOB"}
#: Planted in every file: a message must never contain it.
SECRET = "Zqxwvy"

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["9990000018", "9990000018.0", "'9990000026", "9.99E+09", "", '"',
                     '"a\nb"', "10/12/1980", "1980-12-10", "محمد", "王", "\x00", "\r"]),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=7), max_size=6)


def _csv(body: list[list[str]], header: bytes, encoding: str) -> bytes:
    lines = [",".join(r) for r in body] + [f"R9,9990000034,{SECRET},{SECRET},10/12/1980"]
    text = header.decode() + "\n".join(lines) + "\n"
    return text.encode(encoding, errors="replace")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(body=rows,
       header=st.sampled_from([HEADER, HEADER, HEADER, HEADER, b"",
                               b"ID;NHS;FORENAME;SURNAME;DOB\n",
                               b"R1,9990000018,A,B,10/12/1980\n", b"ID,ID,NHS,FORENAME\n"]),
       encoding=st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16"]),
       declared=st.sampled_from(["utf-8", "utf-8", "latin-1", "cp1252", "utf-16", "utf-16-le"]),
       delimiter=st.sampled_from([",", ",", ",", ";", "|", "\t"]),
       dob_format=st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", ["%d/%m/%Y", "%Y%m%d"]]),
       junk=st.one_of(st.just(b""), st.just(b""), st.binary(max_size=40)))
def test_ingest_never_crashes(body: list[list[str]], header: bytes, encoding: str,
                              declared: str, delimiter: str, dob_format: object,
                              junk: bytes) -> None:
    """Random CSV bytes under random declarations: success or exit 2, nothing else."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        data = _csv(body, header, encoding) + junk
        (root / "src.csv").write_bytes(data)
        project_file = write_project(root, {"src": {
            "path": "src.csv", "encoding": declared, "delimiter": delimiter,
            "dob_format": dob_format, "columns": COLUMNS}})
        try:
            ingest_project(load_project(project_file), root / "ws" / "w.duckdb",
                           project_file=project_file)
            event("ingested")
        except LinkreadyError as exc:
            event(f"refused: {type(exc).__name__}")
            assert exc.exit_code == 2
            for line in exc.lines():
                assert SECRET not in line and "src.csv" in line + str(project_file), line
        assert (root / "src.csv").read_bytes() == data
        assert not list(root.rglob(f"{TMP_PREFIX}*"))
        assert not list(root.rglob("*.utf8.tmp"))
