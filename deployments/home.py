"""The deployments app's sections of each person's home page (config.home)."""

from deployments.search_home import HOME_SECTIONS as SEARCH_SECTIONS

HOME_SECTIONS = [*SEARCH_SECTIONS]
