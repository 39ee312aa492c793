"""The dashboards' formats are the project's (config.formats), named here for the dashboards'
tables, charts and template filters."""

from config.formats import day, decimal, moment, percent, share, whole

__all__ = ["day", "decimal", "moment", "percent", "share", "whole"]
