"""The quick-start program: one WorkMail entity's primary email address, from stack config.

pulumi config set organizationId m-0123456789abcdef0123456789abcdef
pulumi config set entityId alice
pulumi config set email alice@new.example
pulumi up
"""

import pulumi

from pulumi_workmail import EntityPrimaryEmail

config = pulumi.Config()

primary = EntityPrimaryEmail(
    "primary",
    organization_id=config.require("organizationId"),
    entity_id=config.require("entityId"),
    email=config.require("email"),
    on_delete=config.get("onDelete") or "restore",
)

pulumi.export("entityId", primary.resolved_entity_id)
pulumi.export("entityType", primary.entity_type)
pulumi.export("entityName", primary.entity_name)
pulumi.export("primaryEmail", primary.email)
pulumi.export("originalEmail", primary.original_email)
