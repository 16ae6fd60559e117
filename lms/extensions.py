"""The extension objects, created here unbound so that no module imports another in a cycle.

``lms.create_app`` binds each one to the application with ``init_app``. Flask-Migrate is not
here: ``lms.schema_migrations`` binds it the first time it is used.
"""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.database import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
babel = Babel()
bootstrap = Bootstrap5()
