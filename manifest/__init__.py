"""The Teams app package sources, shipped as package data: template, icons, official schemas.

A package only so that `pip install` carries these files to where `uptake manifest build`
reads them (`importlib.resources.files("manifest")`); there is no code here. See README.md.
"""
