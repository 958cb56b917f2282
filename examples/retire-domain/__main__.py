"""Retire a mail domain: every entity in a CSV moves to the new domain, keeps only the new-domain aliases
the CSV declares, and once nothing is left on the old domain, pulumi-aws deregisters it.

CSV columns: entity_id (id, address or name), local_part (the new primary is <local_part>@<toDomain>) and,
optionally, aliases (``;``-separated local parts, each kept as <part>@<toDomain>).

The old domain is an adopted ``aws.workmail.Domain`` while ``retireOldDomain`` is false; setting it to true
removes the Domain from the program, so the next ``pulumi up`` deletes it (DeregisterMailDomain). Pulumi
deletes a resource the program no longer declares only after every declared resource's step has finished
(and not at all when one failed), so the old domain goes after the last alias on it.
"""

import csv
from pathlib import Path

import pulumi

from pulumi_workmail import EntityAliases, EntityPrimaryEmail

config = pulumi.Config()
organization_id = config.require("organizationId")
from_domain = config.get("fromDomain") or "old.example"
to_domain = config.get("toDomain") or "new.example"
csv_path = Path(__file__).parent / (config.get("csv") or "entities.csv")
retire_old_domain = config.get_bool("retireOldDomain") or False

# Adopted as it is (no RegisterMailDomain): the stack only ever deletes it. The addresses depend on it, so a
# destroy (or a CSV row removed) puts them back before Pulumi gets to the domain.
old_domain: list[pulumi.Resource] = []
if not retire_old_domain:
    import pulumi_aws as aws  # only here: with retireOldDomain true from the start, pulumi-aws is not needed

    old_domain.append(
        aws.workmail.Domain(
            "old-domain",
            organization_id=organization_id,
            domain_name=from_domain,
            opts=pulumi.ResourceOptions(import_=f"{organization_id},{from_domain}"),
        )
    )


def new_aliases(entity_id: str, cell: str | None) -> list[pulumi.Input[str]]:
    parts = [part.strip() for part in (cell or "").split(";") if part.strip()]
    for part in parts:
        if "@" in part:
            raise ValueError(f"{csv_path.name}: {entity_id}: aliases are local parts (@{to_domain} is added): {part}")
    return [f"{part}@{to_domain}" for part in parts]


def on_old_domain(addresses: list[str]) -> list[str]:
    return sorted(a for a in addresses if a.lower().endswith(f"@{from_domain.lower()}"))


primaries: dict[str, pulumi.Output[str]] = {}
kept: dict[str, pulumi.Output[list[str]]] = {}
left_on_old: list[pulumi.Output[list[str]]] = []
with csv_path.open(newline="") as handle:
    for row in csv.DictReader(handle):
        entity_id = row["entity_id"].strip()
        primary = EntityPrimaryEmail(
            f"primary-{entity_id}",
            organization_id=organization_id,
            entity_id=entity_id,
            email=f"{row['local_part'].strip()}@{to_domain}",
            opts=pulumi.ResourceOptions(depends_on=old_domain),
        )
        # After the swap, so the old primary (now an alias) is among the aliases this drops.
        aliases = EntityAliases(
            f"aliases-{entity_id}",
            organization_id=organization_id,
            entity_id=entity_id,
            aliases=new_aliases(entity_id, row.get("aliases")),
            exclusive=True,
            opts=pulumi.ResourceOptions(depends_on=[primary]),
        )
        primaries[entity_id] = primary.email
        kept[entity_id] = aliases.aliases
        left_on_old.append(
            pulumi.Output.all(primary.email, aliases.aliases).apply(lambda both: on_old_domain([both[0], *both[1]]))
        )

pulumi.export("primaries", primaries)
pulumi.export("aliases", kept)
pulumi.export("count", len(primaries))
# The listed entities' addresses still on the old domain: [] before it can be deregistered.
pulumi.export(
    "oldDomainAddresses",
    pulumi.Output.all(*left_on_old).apply(lambda lists: sorted(a for addresses in lists for a in addresses)),
)
