from tests.web.test_totp import *
def test_probe(app, client):
    from tests.support import db_execute
    alice = make_staff(app, "caseworker")
    mallory = make_staff(app, "caseworker")
    db_execute(app, "UPDATE staff SET totp_secret_ciphertext = (SELECT totp_secret_ciphertext"
                    " FROM staff WHERE public_id = :a) WHERE public_id = :m",
               a=alice.public_id, m=mallory.public_id)
    password_step(client, mallory)
    response = code_step(client, current_code(alice.totp_secret))
    print("STATUS", response.status_code)
