import io, time
from assessments.imports import import_organisation
from assessments.models import Employee
from tests.assessments.test_import_organisation import csv_bytes, person
def test_perf(hr, position):
    rows = [person(f"E{n}", manager=f"E{n//10}" if n >= 10 else "", department=f"D{n%50}") for n in range(20000)]
    data = csv_bytes(rows)
    t = time.time()
    r = import_organisation(file=io.BytesIO(data), filename="a.csv", imported_by=hr)
    t1 = time.time() - t
    assert Employee.objects.get(employee_number="E12345").manager.employee_number == "E1234"
    rows = [person(f"E{n}", manager=f"E{n//10 + 1}" if n >= 20 else "", department=f"D{n%50}") for n in range(20000)]
    t = time.time()
    r2 = import_organisation(file=io.BytesIO(csv_bytes(rows)), filename="a.csv", imported_by=hr)
    t2 = time.time() - t
    rows = [person(f"E{n}", name=f"N{n}", manager=f"E{n//10 + 1}" if n >= 20 else "", department=f"D{n%50}") for n in range(20000)]
    t = time.time()
    r3 = import_organisation(file=io.BytesIO(csv_bytes(rows)), filename="a.csv", imported_by=hr)
    print(r.created, r.errors[:3], t1, r2.updated, r2.unchanged, r2.errors[:2], t2, r3.updated, time.time() - t)
    assert Employee.objects.get(employee_number="E12345").manager.employee_number == "E1235"
