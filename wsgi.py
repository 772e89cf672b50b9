from casework import create_app

app = create_app()
