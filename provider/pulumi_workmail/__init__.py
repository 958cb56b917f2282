"""Manage Amazon WorkMail primary email addresses with Pulumi."""
