"""Contacts: where a unit is reached besides its inbox (e-mail, mobile, webhook, 赣政通)."""
