"""Exports out of the warehouse: the CRM lead import (``crm``)."""
