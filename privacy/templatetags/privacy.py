"""Template filters for personal data; the masking itself lives in privacy.masking."""

from django import template

from privacy import masking

register = template.Library()


@register.filter
def masked_id(value):
    """{{ resident.id_number|masked_id }} → 0140•••••234"""
    return masking.mask_id_number(value)


@register.filter
def masked_phone(value):
    """{{ member.phone|masked_phone }} → 091••••678"""
    return masking.mask_phone(value)
