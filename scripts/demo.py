"""`make demo`: the quick-start program through preview, up, drift, refresh, up and destroy.

It starts the WorkMail emulator with a seeded organization, then drives the root Pulumi program with the
real `pulumi` CLI (Automation API, local file backend) when it is installed, or with the offline runner
`pulumi_workmail.testing.OfflineStack` otherwise. Every step checks that it did what it claims, against
the live (emulated) WorkMail state, and the demo exits non-zero when one does not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "emulator-seed.json"
ORGANIZATION_ID = "m-0123456789abcdef0123456789abcdef"
ENTITY = "alice"
ORIGINAL = "alice@example.com"
DECLARED = "alice@new.example"
OUT_OF_BAND = "al@example.com"


class DemoFailure(Exception):
    """A step did not do what it claims."""


def banner(text: str) -> None:
    bold, plain = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
    print(f"\n{bold}== {text}{plain}", flush=True)


def expect(condition: bool, claim: str) -> None:
    if not condition:
        raise DemoFailure(claim)
    print(f"   ✔ {claim}", flush=True)


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        # Strict mode: the emulator verifies every request's SigV4 signature, as WorkMail does.
        [sys.executable, "-m", "workmail_emulator", "--port", "0", "--seed", str(SEED), "--credentials", "demo:demo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        raise DemoFailure(f"the emulator did not start (printed {url!r})")
    return process, url


class LiveView:
    """What WorkMail itself says, independent of Pulumi's state."""

    def __init__(self, url: str) -> None:
        self.client = boto3.client(
            "workmail",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
            config=Config(retries={"mode": "standard"}),
        )
        self.user_id = self.client.describe_user(OrganizationId=ORGANIZATION_ID, UserId=ENTITY)["UserId"]

    def primary(self) -> str:
        return str(self.client.describe_user(OrganizationId=ORGANIZATION_ID, UserId=self.user_id)["Email"])

    def aliases(self) -> list[str]:
        answer = self.client.list_aliases(OrganizationId=ORGANIZATION_ID, EntityId=self.user_id)
        return sorted(answer["Aliases"])

    def show(self) -> None:
        print(f"   WorkMail now: user {ENTITY}  primary={self.primary()}  aliases={', '.join(self.aliases())}")


def cli_version(cli: str) -> str:
    done = subprocess.run([cli, "version"], capture_output=True, text=True, timeout=60, check=False)
    return done.stdout.strip() or "(version unknown)"


NEXT_STEPS = """
What to try next:
  make emulator                 start this seeded emulator on port 4566; it prints the lines to export
  then, in another terminal in this directory, with those lines exported:
    pulumi login --local
    pulumi stack init dev
    pulumi config set organizationId m-0123456789abcdef0123456789abcdef
    pulumi config set entityId alice
    pulumi config set email alice@new.example
    pulumi up
  examples/                     more programs: a CSV migration, retiring a domain with EntityAliases
  docs/entity-aliases.md        managing aliases; README.md for everything else"""


def make_stack(state_dir: Path, env: Mapping[str, str]) -> tuple[Any, str]:
    config = {
        "workmail-quickstart:organizationId": ORGANIZATION_ID,
        "workmail-quickstart:entityId": ENTITY,
        "workmail-quickstart:email": DECLARED,
        "aws:region": "us-east-1",
    }
    cli = shutil.which("pulumi")
    if cli:
        from pulumi_workmail.testing import AutomationStack

        stack: Any = AutomationStack("demo", work_dir=str(ROOT), state_dir=str(state_dir), env=dict(env))
        label = f"the real pulumi CLI {cli_version(cli)} at {cli} (Automation API, local file backend)"
    else:
        from pulumi_workmail.testing import OfflineStack

        stack = OfflineStack("demo", work_dir=str(ROOT), state_dir=str(state_dir), env=dict(env))
        label = (
            "the offline runner pulumi_workmail.testing (the pulumi CLI is not installed; "
            "`make pulumi-cli` builds one where Go is installed)"
        )
    stack.set_all_config(config)
    return stack, label


def show_result(result: Any) -> None:
    for line in (getattr(result, "stdout", "") or "").rstrip().splitlines():
        print(f"   | {line}")


def changes(result: Any) -> dict[str, int]:
    summary = getattr(result, "change_summary", None)
    if summary is None:
        summary = result.summary.resource_changes
    return {str(getattr(k, "value", k)): int(v) for k, v in (summary or {}).items()}


def run(step: str, action: Callable[[], Any]) -> Any:
    banner(step)
    result = action()
    show_result(result)
    return result


def main() -> int:
    emulator, url = start_emulator()
    try:
        env = {
            "AWS_ENDPOINT_URL_WORKMAIL": url,
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_REGION": "us-east-1",
            "PULUMI_WORKMAIL_POLL_SECONDS": "0.05",
        }
        os.environ.update(env)
        live = LiveView(url)
        with tempfile.TemporaryDirectory(prefix="workmail-demo-") as state_dir:
            stack, label = make_stack(Path(state_dir), env)
            print(
                f"WorkMail emulator at {url}, organization {ORGANIZATION_ID} (seeded from {SEED.name}; "
                "it verifies every request's SigV4 signature)"
            )
            print(f"Running the quick-start program with {label}.")
            live.show()

            result = run("pulumi preview", stack.preview)
            planned = changes(result)
            expect(planned.get("create") == 2, "preview plans to create the EntityPrimaryEmail (and the stack)")
            expect(live.primary() == ORIGINAL, f"preview changed nothing: {ENTITY}'s primary is still {ORIGINAL}")

            result = run("pulumi up", stack.up)
            expect(changes(result).get("create") == 2, "up created the EntityPrimaryEmail (and the stack)")
            live.show()
            expect(live.primary() == DECLARED, f"{ENTITY}'s primary is now {DECLARED}")
            expect(ORIGINAL in live.aliases(), f"the old primary {ORIGINAL} stayed on as an alias (no mailbox lost)")
            outputs = {k: v.value for k, v in stack.outputs().items()}
            expect(outputs.get("originalEmail") == ORIGINAL, f"the stack remembers the original primary {ORIGINAL}")

            banner(f"someone changes {ENTITY}'s primary in the console (out of band) to {OUT_OF_BAND}")
            live.client.update_primary_email_address(
                OrganizationId=ORGANIZATION_ID, EntityId=live.user_id, Email=OUT_OF_BAND
            )
            live.show()

            result = run("pulumi refresh", stack.refresh)
            expect(changes(result).get("update") == 1, f"refresh shows the drift ({DECLARED} → {OUT_OF_BAND})")

            result = run("pulumi up", stack.up)
            expect(changes(result).get("update") == 1, "up plans and applies 1 update")
            live.show()
            expect(live.primary() == DECLARED, f"the declared primary {DECLARED} is back")

            result = run("pulumi destroy", stack.destroy)
            expect(changes(result).get("delete") == 2, "destroy deleted the EntityPrimaryEmail (and the stack)")
            live.show()
            expect(live.primary() == ORIGINAL, f"on_delete=restore put the original primary {ORIGINAL} back")
        banner("demo passed: every step did what it claims")
        print(NEXT_STEPS, flush=True)
        return 0
    except DemoFailure as failure:
        print(f"\ndemo FAILED: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo interrupted", file=sys.stderr)
        return 130
    finally:
        emulator.terminate()
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()


if __name__ == "__main__":
    sys.exit(main())
