"""Taking over a database that nautobot-ssot 4.x migrated: refuse what cannot be adopted, repair what can.

- ``history`` reads this app's migration records before ``migrate`` changes anything and stops it with
  a message when the database is in a state this version cannot adopt.
- ``schema`` (run by migration ``0003_adopt_4x``) adds the tables, columns and indexes a 4.x database
  lacks, converts 4.x diffs to per-record rows and reports what 4.x left that is not ours.
"""
