"""pulumi-aws builds the organization, the domain and the user; pulumi-workmail owns the user's address.

`aws.workmail.User.email` forces a replacement (a new user, a lost mailbox) when it changes, so the user
ignores changes to `email` and `EntityPrimaryEmail` changes it in place instead.
"""

import pulumi
import pulumi_aws as aws

from pulumi_workmail import EntityPrimaryEmail

config = pulumi.Config()
alias = config.require("alias")
domain_name = config.require("domain")

organization = aws.workmail.Organization("org", organization_alias=alias)
domain = aws.workmail.Domain("domain", organization_id=organization.organization_id, domain_name=domain_name)
user = aws.workmail.User(
    "alice",
    organization_id=organization.organization_id,
    name="alice",
    display_name="Alice",
    # Only the first address: afterwards EntityPrimaryEmail owns it.
    email=f"alice@{alias}.awsapps.com",
    opts=pulumi.ResourceOptions(ignore_changes=["email"]),
)

primary = EntityPrimaryEmail(
    "alice-primary",
    organization_id=organization.organization_id,
    entity_id=user.user_id,  # an id: retried while WorkMail catches up with the new user
    email=f"alice@{domain_name}",
    opts=pulumi.ResourceOptions(depends_on=[domain]),  # the domain must be registered (and verified) first
)

pulumi.export("organizationId", organization.organization_id)
pulumi.export("userId", user.user_id)
pulumi.export("primaryEmail", primary.email)
