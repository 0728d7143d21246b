"""Nothing secret is committed: only the documented fake test credentials appear."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# The example credentials the AWS documentation itself uses (conftest.py sets the
# first pair): AWS writes every example key id with the suffix EXAMPLE and every
# example secret with EXAMPLEKEY, for instance the SSH key id APKAEIBAERJR2EXAMPLE.
DOCUMENTED_FAKES = {
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
}
DOCUMENTED_SUFFIXES = ("EXAMPLE", "EXAMPLEKEY")
ACCESS_KEY_ID = re.compile(
    r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Z0-9])"
)
SECRET_KEY = re.compile(
    r"(?i)(?:secret|aws_secret_access_key|SecretAccessKey)[^\n]{0,30}?"
    r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")


def findings(text: str) -> list[str]:
    found = [m.group(0) for m in ACCESS_KEY_ID.finditer(text)]
    found += [m.group(1) for m in SECRET_KEY.finditer(text)]
    found += [m.group(0) for m in PRIVATE_KEY.finditer(text)]
    return [
        item
        for item in found
        if item not in DOCUMENTED_FAKES and not item.endswith(DOCUMENTED_SUFFIXES)
    ]


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    return [REPO / name for name in listed if name and (REPO / name).is_file()]


def test_the_repository_holds_no_credentials_or_private_keys() -> None:
    leaks = []
    for path in repository_files():
        text = path.read_bytes().decode("utf-8", errors="ignore")
        leaks += [f"{path.relative_to(REPO)}: {item[:12]}…" for item in findings(text)]
    assert not leaks, "possible secrets:\n" + "\n".join(leaks)


@pytest.mark.parametrize(
    "sample",
    [
        "aws_access_key_id = AKIA" + "Z" * 16,
        "SecretAccessKey: " + "a1B2" * 10,
        "-----BEGIN " + "RSA PRIVATE KEY-----",
        "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
        "-----BEGIN " + "PRIVATE KEY-----",
    ],
)
def test_the_scanner_finds_real_looking_secrets(sample: str) -> None:
    assert findings(sample), sample


def test_the_documented_fakes_are_allowed() -> None:
    assert findings("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY secret") == []
    assert findings("CodeSha256: " + "x" * 43 + "=") == []
    assert findings("User APKAEIBAERJR2EXAMPLE") == []
    assert findings("AKIA" + "Z" * 8 + "EXAMPLEZ") != [], "only the exact suffix is allowed"
