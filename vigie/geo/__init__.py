"""Place-name machinery behind the gazetteer and the geocode stage: name folding, index build, ranking."""
