"""Template filters for personal data; the masking itself lives in units.privacy."""

from django import template

from units import privacy

register = template.Library()


@register.filter
def masked_id(value):
    """{{ resident.id_number|masked_id }} → 0140•••••234"""
    return privacy.mask_id_number(value)


@register.filter
def masked_phone(value):
    """{{ member.phone|masked_phone }} → 091••••678"""
    return privacy.mask_phone(value)
