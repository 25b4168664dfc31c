"""Offline gazetteer of Kazakhstan (and the foreign places its news names) as a geopy geocoder.

>>> from gazetteer import load_gazetteer
>>> load_gazetteer().geocode("Жанаозене").raw["name"]
'Zhanaozen'
"""

from gazetteer.geocoder import KazakhstanGazetteer, load_gazetteer
from gazetteer.normalise import normalise

__all__ = ["KazakhstanGazetteer", "load_gazetteer", "normalise"]
