print("swzk")
