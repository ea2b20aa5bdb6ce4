"""The palette of resources, the shared care vocabulary and Skåne's geography.

Plain Python: no Qt, no database. Everything here is data validated by pydantic.
"""
