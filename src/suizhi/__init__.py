"""suizhi: the data pipeline of a city-operations hub."""
