"""One user, one group and one room resource move to addresses on a new domain, without recreating them."""

import pulumi

from pulumi_workmail import EntityPrimaryEmail

config = pulumi.Config()
organization_id = config.require("organizationId")
domain = config.get("domain") or "new.example"

alice = EntityPrimaryEmail("alice", organization_id=organization_id, entity_id="alice", email=f"alice@{domain}")
sales = EntityPrimaryEmail("sales", organization_id=organization_id, entity_id="sales", email=f"sales@{domain}")
room = EntityPrimaryEmail(
    "room-1",
    organization_id=organization_id,
    entity_id="room-1",
    email=f"room-1@{domain}",
    on_delete="retain",  # keep the room on the new address even if this stack is destroyed
)

pulumi.export("alice", alice.email)
pulumi.export("sales", sales.email)
pulumi.export("room", room.email)
pulumi.export("types", pulumi.Output.all(alice.entity_type, sales.entity_type, room.entity_type))
