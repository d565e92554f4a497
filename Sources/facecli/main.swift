import FaceKit
print("facecli")
