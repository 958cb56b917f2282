"""Move every entity in a CSV (entity_id, local_part) to <local_part>@<toDomain>, keeping mailboxes.

The old addresses stay on as aliases, so mail to them keeps arriving; destroying the stack moves every
entity back to the primary it had before.
"""

import csv
from pathlib import Path

import pulumi

from pulumi_workmail import EntityPrimaryEmail

config = pulumi.Config()
organization_id = config.require("organizationId")
to_domain = config.get("toDomain") or "new.example"
csv_path = Path(__file__).parent / (config.get("csv") or "entities.csv")

moved = {}
with csv_path.open(newline="") as handle:
    for row in csv.DictReader(handle):
        entity_id = row["entity_id"].strip()
        resource = EntityPrimaryEmail(
            f"primary-{entity_id}",
            organization_id=organization_id,
            entity_id=entity_id,
            email=f"{row['local_part'].strip()}@{to_domain}",
        )
        moved[entity_id] = resource.email

pulumi.export("moved", moved)
pulumi.export("count", len(moved))
