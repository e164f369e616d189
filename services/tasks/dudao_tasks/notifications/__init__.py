"""Notifications: the in-app inbox and outbound deliveries (webhook, e-mail, SMS, 赣政通).

``service.notify`` is the one entry point for anything that tells a unit or a staff user
something; ``service.enqueue_delivery`` is the one way to send anything outbound.
"""
