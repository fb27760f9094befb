# Shortcuts for tasks.py, which needs nothing but Python.
.PHONY: run test demo setup catalogs
run:
	python3 tasks.py run
test:
	python3 tasks.py test
demo:
	python3 tasks.py demo
setup:
	python3 tasks.py setup
catalogs:
	.venv/bin/pybabel extract -F babel.cfg -k _:1,1t -k _:1,2 -k __:1,1t -k __:1,2 -k N_ \
		-k pgettext:1c,2 -k npgettext:1c,2,3 \
		--no-location --sort-output -o locales/bot.pot bot handlers
	.venv/bin/pybabel update -i locales/bot.pot -d locales -D bot --no-fuzzy-matching --width 100
	.venv/bin/python scripts/fill_english_catalog.py
