"""Plan cascade across government levels: delivery, roll-up, links, annual breakdown."""
